// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 3.4).
// A strong type so that no bare uint32_t comparison can slip into the protocol.
#pragma once

#include <cstdint>

namespace synline::net {

class SeqNum {
public:
    constexpr SeqNum() = default;
    constexpr explicit SeqNum(std::uint32_t raw) : raw_(raw) {}

    constexpr std::uint32_t raw() const { return raw_; }

    constexpr SeqNum operator+(std::uint32_t n) const { return SeqNum(raw_ + n); }
    constexpr SeqNum operator-(std::uint32_t n) const { return SeqNum(raw_ - n); }
    constexpr SeqNum& operator+=(std::uint32_t n) { raw_ += n; return *this; }
    // Signed distance from `other` to this; valid while |distance| < 2^31.
    constexpr std::int32_t operator-(SeqNum other) const {
        return static_cast<std::int32_t>(raw_ - other.raw_);
    }

    constexpr bool operator==(const SeqNum&) const = default;
    constexpr bool operator<(SeqNum o) const { return *this - o < 0; }
    constexpr bool operator<=(SeqNum o) const { return *this - o <= 0; }
    constexpr bool operator>(SeqNum o) const { return *this - o > 0; }
    constexpr bool operator>=(SeqNum o) const { return *this - o >= 0; }

private:
    std::uint32_t raw_ = 0;
};

// True when start <= s < start + len (RFC 9293 3.4 window test).
constexpr bool seq_in_window(SeqNum s, SeqNum start, std::uint32_t len) {
    return static_cast<std::uint32_t>(s.raw() - start.raw()) < len;
}

constexpr SeqNum seq_max(SeqNum a, SeqNum b) { return a < b ? b : a; }
constexpr SeqNum seq_min(SeqNum a, SeqNum b) { return a < b ? a : b; }

}  // namespace synline::net
