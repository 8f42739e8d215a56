// The Toeplitz hash that NICs use for receive-side scaling (Microsoft's RSS
// specification, "RSS hashing functions"), computed in software so that the
// engine knows which queue a flow's frames arrive on: to steer frames a
// device could not spread, to check the device's spreading, and to pick
// source ports whose replies come back to the opening worker. Pure: no DPDK.
//
// For every set bit of the input (most significant first), the hash XORs in
// the 32 key bits that start at that bit's position. The input of TCP/IPv4 is
// source address, destination address, source port, destination port, all in
// network order. Here the key's windows are precomputed per input byte and
// byte value, so a hash is one table load per input byte.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "net/ipv4_addr.hpp"

namespace synline::engine {

class Toeplitz {
public:
    // Longest input: two IPv4 addresses and two ports.
    static constexpr std::size_t kMaxInput = 12;

    // `key` needs 4 bytes more than the longest input it will hash.
    explicit Toeplitz(std::span<const std::uint8_t> key) {
        if (key.size() < kMaxInput + 4) throw std::invalid_argument("Toeplitz key shorter than 16 bytes");
        for (std::size_t byte = 0; byte < kMaxInput; ++byte)
            for (unsigned bit = 0; bit < 8; ++bit) {
                const std::uint32_t window = key_window(key, byte * 8 + bit);
                for (unsigned v = 0; v < 256; ++v)
                    if (v & (0x80u >> bit)) table_[byte][v] ^= window;
            }
    }

    std::uint32_t hash(std::span<const std::uint8_t> input) const {
        std::uint32_t h = 0;
        for (std::size_t i = 0; i < input.size() && i < kMaxInput; ++i) h ^= table_[i][input[i]];
        return h;
    }

    // The IPv4 hash type: source and destination address only.
    std::uint32_t ipv4(net::Ipv4Addr src, net::Ipv4Addr dst) const {
        return word(0, src.value) ^ word(4, dst.value);
    }
    // The TCP/IPv4 hash type.
    std::uint32_t ipv4_tcp(net::Ipv4Addr src, net::Ipv4Addr dst, std::uint16_t src_port,
                           std::uint16_t dst_port) const {
        return ipv4(src, dst) ^ table_[8][src_port >> 8] ^ table_[9][src_port & 0xff] ^
               table_[10][dst_port >> 8] ^ table_[11][dst_port & 0xff];
    }

private:
    // The 32 key bits starting at bit `at` (bit 0 = the first byte's most significant).
    static std::uint32_t key_window(std::span<const std::uint8_t> key, std::size_t at) {
        std::uint32_t w = 0;
        for (std::size_t i = 0; i < 32; ++i) {
            const std::size_t b = at + i;
            w = (w << 1) | ((key[b / 8] >> (7 - b % 8)) & 1u);
        }
        return w;
    }
    std::uint32_t word(std::size_t at, std::uint32_t v) const {
        return table_[at][v >> 24] ^ table_[at + 1][(v >> 16) & 0xff] ^ table_[at + 2][(v >> 8) & 0xff] ^
               table_[at + 3][v & 0xff];
    }

    std::array<std::array<std::uint32_t, 256>, kMaxInput> table_{};
};

// The symmetric key (0x6d5a repeated, Woo & Park 2012): its bits repeat every
// 16, so swapping source and destination (both 32-bit and both 16-bit fields)
// leaves the hash unchanged, and both directions of a flow reach one queue.
inline std::vector<std::uint8_t> symmetric_rss_key(std::size_t bytes) {
    std::vector<std::uint8_t> key(bytes);
    for (std::size_t i = 0; i < bytes; ++i) key[i] = (i % 2 == 0) ? 0x6d : 0x5a;
    return key;
}

// Which of `workers` workers a hash belongs to: entry hash % reta_size of a
// redirection table whose entry i is i % workers. The engine programs a
// device's table with the same entries, so queue q's frames are worker q's.
class RssSpread {
public:
    RssSpread(std::span<const std::uint8_t> key, unsigned workers, unsigned reta_size)
        : toeplitz_(key), workers_(workers), reta_size_(reta_size) {
        if (workers == 0 || reta_size == 0) throw std::invalid_argument("RssSpread: no workers or no table");
    }

    unsigned home_of_hash(std::uint32_t h) const { return h % reta_size_ % workers_; }
    // The worker of a TCP/IPv4 frame from src:src_port to dst:dst_port.
    unsigned home_of(net::Ipv4Addr src, net::Ipv4Addr dst, std::uint16_t src_port,
                     std::uint16_t dst_port) const {
        return home_of_hash(toeplitz_.ipv4_tcp(src, dst, src_port, dst_port));
    }
    unsigned workers() const { return workers_; }
    unsigned reta_size() const { return reta_size_; }

private:
    Toeplitz toeplitz_;
    unsigned workers_;
    unsigned reta_size_;
};

}  // namespace synline::engine
