// Per-core IPv4 -> MAC cache. Direct-mapped and fixed-size: a flood of
// spoofed addresses can evict entries but never grow memory.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "net/ipv4_addr.hpp"
#include "tcp/time.hpp"

namespace synline::engine {

class ArpCache {
public:
    static constexpr std::size_t kSlots = 4096;
    static constexpr tcp::Duration kLifetime = std::chrono::minutes(5);

    void learn(net::Ipv4Addr ip, const net::MacAddr& mac, tcp::Instant now) {
        Entry& e = slot(ip);
        e = Entry{ip, mac, now, true};
    }

    std::optional<net::MacAddr> find(net::Ipv4Addr ip, tcp::Instant now) const {
        const Entry& e = slot(ip);
        if (!e.valid || e.ip != ip || now - e.learned > kLifetime) return std::nullopt;
        return e.mac;
    }

private:
    struct Entry {
        net::Ipv4Addr ip;
        net::MacAddr mac;
        tcp::Instant learned;
        bool valid = false;
    };
    static std::size_t index(net::Ipv4Addr ip) {
        return (ip.value * 2654435761u) >> 20 & (kSlots - 1);  // Knuth multiplicative hash
    }
    Entry& slot(net::Ipv4Addr ip) { return entries_[index(ip)]; }
    const Entry& slot(net::Ipv4Addr ip) const { return entries_[index(ip)]; }

    std::array<Entry, kSlots> entries_{};
};

}  // namespace synline::engine
