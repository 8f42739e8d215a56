// One direction of a simulated wire: a fixed one-way delay plus seeded loss,
// duplication and reordering. Every random decision is drawn from the
// generator the network passes in, so a run is reproducible from its seed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>

#include "tcp/time.hpp"

namespace synline::sim {

struct LinkConfig {
    tcp::Duration delay = std::chrono::milliseconds(1);  // one way
    double loss = 0.0;       // probability that a copy is lost
    double duplicate = 0.0;  // probability that a packet is delivered twice
    double reorder = 0.0;    // fraction of copies held back by an extra delay...
    tcp::Duration reorder_extra = std::chrono::milliseconds(3);  // ...uniform in (0, this]
};

// Packet counts of one link.
struct LinkStats {
    std::uint64_t offered = 0;     // packets put on the link
    std::uint64_t lost = 0;        // copies dropped by `loss`
    std::uint64_t duplicated = 0;  // packets that got a second copy
    std::uint64_t reordered = 0;   // copies given an extra delay

    LinkStats& operator+=(const LinkStats& o) {
        offered += o.offered;
        lost += o.lost;
        duplicated += o.duplicated;
        reordered += o.reordered;
        return *this;
    }
};

// What became of one packet: one or two copies, each lost or delivered after
// its own delay.
struct LinkFate {
    struct Copy {
        bool lost = false;
        bool duplicate = false;  // the second copy
        tcp::Duration delay{0};
    };
    std::array<Copy, 2> copies{};
    std::size_t count = 1;
};

class SimLink {
public:
    explicit SimLink(LinkConfig config = {}) : config_(config) {}

    // Draws the fate of one packet and counts it.
    LinkFate transmit(std::mt19937_64& rng);

    const LinkConfig& config() const { return config_; }
    const LinkStats& stats() const { return stats_; }

private:
    LinkFate::Copy draw_copy(std::mt19937_64& rng, bool duplicate);

    LinkConfig config_;
    LinkStats stats_;
};

// A uniform double in [0, 1) from 53 random bits: the same on every standard
// library, unlike std::uniform_real_distribution.
inline double unit_interval(std::mt19937_64& rng) {
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace synline::sim
