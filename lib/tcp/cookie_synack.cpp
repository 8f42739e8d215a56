#include "tcp/cookie_synack.hpp"

namespace synline::tcp {

namespace {

// The sum SummingWordWriter would have kept for these bytes.
std::uint64_t word_sum(const std::uint8_t* p, std::size_t len) {
    std::uint64_t sum = 0;
    for (std::size_t at = 0; at < len; at += 4) sum += net::load_be32(p + at);
    return sum;
}

net::TcpHeader with_options(net::TcpHeader h, bool timestamps, bool sack_permitted,
                            std::optional<std::uint8_t> window_scale) {
    if (timestamps) h.options.timestamps = net::TcpTimestamps{};
    h.options.sack_permitted = sack_permitted;
    h.options.window_scale = window_scale;
    return h;
}

}  // namespace

CookieSynAckShape::CookieSynAckShape(const net::TcpHeader& header) : header_(header) {
    tcp_len_ = static_cast<std::uint16_t>(header_.header_len());
    net::write_ipv4_header(image_.data(), net::Ipv4Addr{0}, net::Ipv4Addr{0}, net::kIpProtoTcp, tcp_len_, 0,
                           false);
    ip_sum_ = word_sum(image_.data(), net::kIpv4MinHeaderLen);
    pseudo_sum_ = std::uint64_t{net::kIpProtoTcp} + tcp_len_;
    tcp_sum_ = header_.emit(image_.data() + kTcpAt) + pseudo_sum_;
    timestamps_mask_ = header_.options.timestamps ? ~std::uint64_t{0} : 0;
}

CookieSynAckShapes::CookieSynAckShapes(std::uint16_t window, std::uint16_t mss, std::uint8_t window_scale)
    : shapes_{[&] {
          net::TcpHeader h;
          h.flags = net::tcp_flag::syn | net::tcp_flag::ack;
          h.window = window;
          h.options.mss = mss;
          // In pick()'s order: the MSS alone, then timestamps with SACK-permitted
          // (+1) and window scale (+2).
          return std::array<CookieSynAckShape, 5>{
              CookieSynAckShape(with_options(h, false, false, std::nullopt)),
              CookieSynAckShape(with_options(h, true, false, std::nullopt)),
              CookieSynAckShape(with_options(h, true, true, std::nullopt)),
              CookieSynAckShape(with_options(h, true, false, window_scale)),
              CookieSynAckShape(with_options(h, true, true, window_scale)),
          };
      }()} {}

}  // namespace synline::tcp
