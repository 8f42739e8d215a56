// The out-of-order queue on its own (tcp/reassembly_queue.hpp): ranges kept
// sorted, disjoint and merged, only new bytes written, holes taken in order,
// the FIN carried, SACK blocks latest first, and a model check over random
// arrivals.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "tcp/reassembly_queue.hpp"

using synline::net::SeqNum;
using synline::tcp::ReassemblyQueue;
using synline::tcp::SeqRange;

namespace {

using Writes = std::vector<std::pair<std::uint32_t, std::uint32_t>>;  // (seq, len)

// Adds [seq, seq + len) and returns the writes it asked for.
Writes add(ReassemblyQueue& q, std::uint32_t seq, std::uint32_t len, ReassemblyQueue::Added* out = nullptr) {
    Writes w;
    REQUIRE(q.fits(SeqNum(seq), len));
    auto a = q.add(SeqNum(seq), len, [&](SeqNum at, std::uint32_t n) { w.emplace_back(at.raw(), n); });
    if (out) *out = a;
    return w;
}

std::vector<SeqRange> all_ranges(const ReassemblyQueue& q) {
    std::vector<SeqRange> v;
    for (std::size_t i = 0; i < q.ranges(); ++i) v.push_back(q.range(i));
    return v;
}

SeqRange r(std::uint32_t start, std::uint32_t end) { return {SeqNum(start), SeqNum(end)}; }

std::vector<SeqRange> sack(const ReassemblyQueue& q, std::size_t max) {
    std::vector<SeqRange> v(max);
    v.resize(q.sack_blocks(v));
    return v;
}

}  // namespace

TEST_CASE("ReassemblyQueue keeps disjoint ranges in order and merges touching and overlapping ones",
          "[reassembly][rfc9293-3.10.7.4]") {
    ReassemblyQueue q;
    CHECK(q.empty());
    CHECK(add(q, 300, 100) == Writes{{300, 100}});
    CHECK(add(q, 100, 100) == Writes{{100, 100}});
    CHECK(all_ranges(q) == std::vector{r(100, 200), r(300, 400)});
    CHECK(q.end() == SeqNum(400));
    CHECK(q.bytes() == 200);

    SECTION("a segment that touches a range's end extends it") {
        CHECK(add(q, 200, 50) == Writes{{200, 50}});
        CHECK(all_ranges(q) == std::vector{r(100, 250), r(300, 400)});
    }
    SECTION("a segment that ends where a range starts extends it downwards") {
        CHECK(add(q, 250, 50) == Writes{{250, 50}});
        CHECK(all_ranges(q) == std::vector{r(100, 200), r(250, 400)});
    }
    SECTION("a segment across the gap joins both; only the gap is written") {
        ReassemblyQueue::Added a;
        CHECK(add(q, 150, 200, &a) == Writes{{200, 100}});
        CHECK(a.new_bytes == 100);
        CHECK(a.duplicate_bytes == 100);
        CHECK(all_ranges(q) == std::vector{r(100, 400)});
    }
    SECTION("a segment that covers everything writes only the gaps around the ranges") {
        ReassemblyQueue::Added a;
        CHECK(add(q, 50, 400, &a) == Writes{{50, 50}, {200, 100}, {400, 50}});
        CHECK(a.new_bytes == 200);
        CHECK(a.duplicate_bytes == 200);
        CHECK(all_ranges(q) == std::vector{r(50, 450)});
    }
    SECTION("a duplicate writes nothing and changes no range") {
        ReassemblyQueue::Added a;
        CHECK(add(q, 320, 50, &a).empty());
        CHECK(a.new_bytes == 0);
        CHECK(a.duplicate_bytes == 50);
        CHECK(all_ranges(q) == std::vector{r(100, 200), r(300, 400)});
    }
}

TEST_CASE("ReassemblyQueue refuses a range more than kMaxRanges, but not a segment that joins one",
          "[reassembly]") {
    ReassemblyQueue q;
    const std::uint32_t n = ReassemblyQueue::kMaxRanges;
    for (std::uint32_t i = 0; i < n; ++i) add(q, 1000 + 200 * i, 100);
    CHECK(q.ranges() == n);
    CHECK_FALSE(q.fits(SeqNum(900), 50));                 // below all, touching none
    CHECK_FALSE(q.fits(SeqNum(1000 + 200 * n), 100));     // past all, a gap before it
    CHECK(q.fits(SeqNum(1100), 20));                      // touches the first range's end
    CHECK(q.fits(SeqNum(950), 50));                       // ends where the first starts
    CHECK(q.fits(SeqNum(1000 + 200 * n - 100), 100));     // touches the last one
    add(q, 1100, 100);                                    // fills a gap: one range fewer
    CHECK(q.ranges() == n - 1);
    CHECK(q.fits(SeqNum(900), 50));
}

TEST_CASE("ReassemblyQueue::take: RCV.NXT reaching a range makes the data contiguous to its end",
          "[reassembly][rfc9293-3.10.7.4]") {
    ReassemblyQueue q;
    add(q, 200, 100);
    add(q, 400, 100);

    SECTION("short of the first range: nothing taken") {
        auto t = q.take(SeqNum(150));
        CHECK(t.next == SeqNum(150));
        CHECK(t.overlap == 0);
        CHECK(q.ranges() == 2);
    }
    SECTION("exactly at the first range: to its end") {
        auto t = q.take(SeqNum(200));
        CHECK(t.next == SeqNum(300));
        CHECK(t.overlap == 0);
        CHECK(all_ranges(q) == std::vector{r(400, 500)});
    }
    SECTION("into the first range: its covered part counts as overlap") {
        auto t = q.take(SeqNum(250));
        CHECK(t.next == SeqNum(300));
        CHECK(t.overlap == 50);
    }
    SECTION("past both: everything taken, all of both overlaps") {
        auto t = q.take(SeqNum(600));
        CHECK(t.next == SeqNum(600));
        CHECK(t.overlap == 200);
        CHECK(q.empty());
    }
}

TEST_CASE("ReassemblyQueue carries a FIN that came right after its data", "[reassembly][rfc9293-3.10.7.4]") {
    ReassemblyQueue q;
    add(q, 200, 100);
    q.note_fin(SeqNum(250));  // not at the end: ignored
    CHECK_FALSE(q.take(SeqNum(300)).fin);

    add(q, 400, 100);
    q.note_fin(SeqNum(500));
    add(q, 300, 50);
    auto t = q.take(SeqNum(100));
    CHECK_FALSE(t.fin);
    t = q.take(SeqNum(350));
    CHECK(t.next == SeqNum(350));
    t = q.take(SeqNum(400));
    CHECK(t.next == SeqNum(500));
    CHECK(t.fin);

    SECTION("data past the FIN cancels it") {
        ReassemblyQueue p;
        add(p, 200, 100);
        p.note_fin(SeqNum(300));
        add(p, 300, 10);
        CHECK_FALSE(p.take(SeqNum(200)).fin);
    }
}

TEST_CASE("ReassemblyQueue SACK blocks: the range of the latest segment first, then latest first",
          "[reassembly][sack][rfc2018-4]") {
    ReassemblyQueue q;
    add(q, 100, 10);
    add(q, 300, 10);
    add(q, 500, 10);
    add(q, 700, 10);
    CHECK(sack(q, 4) == std::vector{r(700, 710), r(500, 510), r(300, 310), r(100, 110)});
    CHECK(sack(q, 3) == std::vector{r(700, 710), r(500, 510), r(300, 310)});
    add(q, 110, 10);  // extends the oldest: now the latest
    CHECK(sack(q, 3) == std::vector{r(100, 120), r(700, 710), r(500, 510)});
    add(q, 505, 2);  // a duplicate inside a range also makes it the latest
    CHECK(sack(q, 2) == std::vector{r(500, 510), r(100, 120)});
    add(q, 310, 190);  // joins two ranges: the merged one is the latest
    CHECK(sack(q, 4) == std::vector{r(300, 510), r(100, 120), r(700, 710)});
    CHECK(sack(q, 0).empty());
}

TEST_CASE("ReassemblyQueue works across the wrap of sequence numbers", "[reassembly]") {
    ReassemblyQueue q;
    add(q, 0xffffff00u, 0x80);
    add(q, 0x40, 0x40);
    CHECK(all_ranges(q) == std::vector{r(0xffffff00u, 0xffffff80u), r(0x40, 0x80)});
    CHECK(add(q, 0xffffff80u, 0x100) == Writes{{0xffffff80u, 0xc0}});
    CHECK(all_ranges(q) == std::vector{r(0xffffff00u, 0x80)});
    auto t = q.take(SeqNum(0xffffff00u));
    CHECK(t.next == SeqNum(0x80));
}

TEST_CASE("ReassemblyQueue matches a byte map over random arrivals", "[reassembly]") {
    // The model: which of 4096 bytes past a base have arrived. Every arrival
    // must write exactly the bytes the model lacked, and the ranges must be
    // the model's runs.
    std::mt19937_64 rng(20261207);
    const std::uint32_t base = 0xfffff000u;  // across the wrap as well
    for (int round = 0; round < 200; ++round) {
        ReassemblyQueue q;
        std::vector<bool> have(4096, false);
        std::uint32_t rcv_nxt = 0;  // offset from base
        for (int step = 0; step < 60; ++step) {
            const std::uint32_t off = rcv_nxt + 1 + static_cast<std::uint32_t>(rng() % 3000);
            const std::uint32_t len = 1 + static_cast<std::uint32_t>(rng() % 200);
            if (off + len > have.size()) continue;
            if (!q.fits(SeqNum(base + off), len)) continue;
            std::vector<bool> wrote(have.size(), false);
            auto a = q.add(SeqNum(base + off), len, [&](SeqNum at, std::uint32_t n) {
                for (std::uint32_t i = 0; i < n; ++i) wrote[static_cast<std::uint32_t>(at - SeqNum(base)) + i] = true;
            });
            std::uint32_t fresh = 0;
            for (std::uint32_t i = off; i < off + len; ++i) {
                REQUIRE(wrote[i] == !have[i]);
                fresh += !have[i];
                have[i] = true;
            }
            REQUIRE(a.new_bytes == fresh);
            // Now and then the hole at rcv_nxt fills.
            if (rng() % 4 == 0) {
                const std::uint32_t fill = 1 + static_cast<std::uint32_t>(rng() % 400);
                std::uint32_t next = rcv_nxt + fill;
                for (std::uint32_t i = rcv_nxt; i < next && i < have.size(); ++i) have[i] = true;
                auto t = q.take(SeqNum(base + next));
                while (next < have.size() && have[next]) ++next;
                REQUIRE(t.next == SeqNum(base + next));
                rcv_nxt = next;
            }
            // The ranges are the runs of `have` past rcv_nxt.
            std::vector<SeqRange> runs;
            for (std::uint32_t i = rcv_nxt; i < have.size(); ++i) {
                if (!have[i]) continue;
                std::uint32_t j = i;
                while (j < have.size() && have[j]) ++j;
                runs.push_back(r(base + i, base + j));
                i = j;
            }
            REQUIRE(all_ranges(q) == runs);
        }
    }
}
