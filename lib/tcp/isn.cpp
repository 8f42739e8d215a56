#include "tcp/isn.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <system_error>

namespace synline::tcp {

namespace {

constexpr Duration kIsnClockPeriod = std::chrono::microseconds(4);  // RFC 9293 3.4.1

}  // namespace

net::SeqNum IsnGenerator::next(const net::FourTuple& tuple, Instant now) const {
    // M wraps modulo 2^32 like the sequence space itself; the unsigned conversion
    // keeps that well defined for instants before the epoch too.
    const auto m = static_cast<std::uint32_t>(
        static_cast<std::uint64_t>(now.since_epoch / kIsnClockPeriod));
    const std::uint64_t addresses = (std::uint64_t{tuple.local_ip.value} << 32) | tuple.remote_ip.value;
    const std::uint64_t ports = (std::uint64_t{tuple.local_port} << 16) | tuple.remote_port;
    const auto f = static_cast<std::uint32_t>(siphash24_u64x2(key_, addresses, ports));
    return net::SeqNum(m + f);
}

SipKey random_sip_key() {
    std::uint64_t words[2];
    auto* out = reinterpret_cast<unsigned char*>(words);
    std::size_t filled = 0;
    while (filled < sizeof(words)) {
        const ssize_t got = getrandom(out + filled, sizeof(words) - filled, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
        filled += static_cast<std::size_t>(got);
    }
    return SipKey{words[0], words[1]};
}

}  // namespace synline::tcp
