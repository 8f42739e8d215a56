// libFuzzer target: the TCP option parsers (RFC 9293 3.1, RFC 7323, RFC 2018)
// on up to 40 bytes of options. The fast path that recognises Linux's two
// common layouts must agree with the general walk wherever it accepts, a
// window scale never exceeds 14, and accepted options survive emit() and a
// second parse.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "net/tcp_header.hpp"

using namespace synline::net;

namespace {
void check(bool ok) {
    if (!ok) std::abort();
}
// What emit() writes of parsed options: SACK blocks are read, never sent.
TcpOptions written(TcpOptions o) {
    o.sack_count = 0;
    o.sack_malformed = false;
    return o;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > kTcpMaxOptionsLen) return 0;  // a data offset of 15 words holds no more
    const std::vector<std::uint8_t> copy(data, data + size);  // exactly `size`: ASan sees overreads
    const std::span<const std::uint8_t> o(copy);
    TcpOptions any;
    const bool any_ok = parse_tcp_options_any_layout(o, any);
    TcpOptions common;
    if (parse_tcp_options_common_layout(o, common)) check(any_ok && common == any);
    if (!any_ok) return 0;
    check(!any.window_scale || *any.window_scale <= kMaxWindowScale);
    std::uint8_t out[kTcpMaxOptionsLen];
    check(any.encoded_len() <= sizeof out && any.encoded_len() % 4 == 0);
    any.emit(out);
    TcpOptions back;
    check(parse_tcp_options_any_layout({out, any.encoded_len()}, back) && back == written(any));
    return 0;
}
