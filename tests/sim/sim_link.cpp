#include "sim_link.hpp"

namespace synline::sim {

LinkFate::Copy SimLink::draw_copy(std::mt19937_64& rng, bool duplicate) {
    LinkFate::Copy c;
    c.duplicate = duplicate;
    c.delay = config_.delay;
    // Draw every number whatever the outcome, so that changing one probability
    // does not shift the random stream of the decisions after it.
    const bool lost = unit_interval(rng) < config_.loss;
    const bool held = unit_interval(rng) < config_.reorder;
    const std::uint64_t extra_ns = rng();
    if (lost) {
        c.lost = true;
        ++stats_.lost;
        return c;
    }
    if (held && config_.reorder_extra.count() > 0) {
        c.delay += tcp::Duration(1 + static_cast<std::int64_t>(
                                         extra_ns % static_cast<std::uint64_t>(config_.reorder_extra.count())));
        ++stats_.reordered;
    }
    return c;
}

LinkFate SimLink::transmit(std::mt19937_64& rng) {
    ++stats_.offered;
    LinkFate f;
    const bool dup = unit_interval(rng) < config_.duplicate;
    f.copies[0] = draw_copy(rng, false);
    if (dup) {
        ++stats_.duplicated;
        f.copies[1] = draw_copy(rng, true);
        f.count = 2;
    }
    return f;
}

}  // namespace synline::sim
