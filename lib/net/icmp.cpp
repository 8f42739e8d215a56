#include "net/icmp.hpp"

#include "net/byte_order.hpp"
#include "net/checksum.hpp"

namespace synline::net {

namespace {
constexpr std::uint8_t kEchoReply = 0;
constexpr std::uint8_t kEchoRequest = 8;
}  // namespace

bool is_echo_request(std::span<const std::uint8_t> icmp, Drop& why) {
    if (icmp.size() < kIcmpHeaderLen || checksum_finish(checksum_accumulate(0, icmp)) != 0) {
        why = Drop::icmp_malformed;
        return false;
    }
    if (icmp[0] != kEchoRequest || icmp[1] != 0) {
        why = Drop::icmp_unsupported_type;
        return false;
    }
    return true;
}

void make_echo_reply_in_place(std::span<std::uint8_t> icmp) {
    icmp[0] = kEchoReply;
    store_be16(icmp.data() + 2, 0);
    store_be16(icmp.data() + 2, checksum_finish(checksum_accumulate(0, icmp)));
}

}  // namespace synline::net
