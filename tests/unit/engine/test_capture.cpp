// The capture path without EAL: the ring between a worker and the writer, the
// pcap writer thread and its limits (read back with libpcap), and the
// [capture] section's checks.
#include <catch2/catch.hpp>
#include <pcap/pcap.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "engine/capture_config.hpp"
#include "engine/capture_ring.hpp"
#include "engine/config.hpp"
#include "engine/pcap_writer.hpp"

using namespace synline::engine;
using Catch::Matchers::Contains;

namespace {

struct Frame {
    std::uint64_t ts_ns;
    std::uint32_t wire_len;
    std::vector<std::uint8_t> bytes;
};

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7);
    return v;
}

// As a worker does: copy what fits, then publish. Returns how many fitted.
std::size_t put(CaptureRing& ring, const std::vector<Frame>& frames) {
    const std::size_t n = std::min(frames.size(), ring.room());
    std::vector<CaptureHeader> headers(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto len = static_cast<std::uint32_t>(std::min(frames[i].bytes.size(), ring.slot_bytes()));
        std::copy_n(frames[i].bytes.begin(), len, ring.slot(i));
        headers[i] = CaptureHeader{frames[i].ts_ns, frames[i].wire_len, len};
    }
    ring.publish(headers.data(), n);
    return n;
}

std::vector<Frame> read_pcap(const std::string& path, int* precision = nullptr) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
    REQUIRE(p != nullptr);
    if (precision) *precision = pcap_get_tstamp_precision(p);
    std::vector<Frame> out;
    pcap_pkthdr* h;
    const u_char* data;
    while (pcap_next_ex(p, &h, &data) == 1)
        out.push_back({static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(h->ts.tv_usec),
                       h->len, std::vector<std::uint8_t>(data, data + h->caplen)});
    pcap_close(p);
    return out;
}

std::string temp_path(const char* name) {
    return (std::filesystem::temp_directory_path() / (std::string(name) + "." + std::to_string(::getpid()) + ".pcap"))
        .string();
}

CaptureConfig capture_of(std::string_view text, const std::vector<std::string>& overrides = {}) {
    auto cfg = parse_driver_config(text, "t.conf", {}, overrides, {capture_schema()});
    return capture_config_from(cfg.section("capture"));
}

std::string capture_error(std::string_view text, const std::vector<std::string>& overrides = {}) {
    try {
        capture_of(text, overrides);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("CaptureRing: frames come out in order, cut to the slot size, and a full ring refuses", "[capture]") {
    CaptureRing ring(4, 100);
    CHECK(ring.room() == 4);
    std::vector<Frame> frames;
    for (std::uint8_t i = 0; i < 6; ++i) frames.push_back({1000u + i, 60u + i * 30u, pattern(60 + i * 30, i)});
    CHECK(put(ring, frames) == 4);  // two did not fit
    CHECK(ring.room() == 0);

    std::vector<Frame> got;
    CHECK(ring.consume([&](const CaptureHeader& h, std::span<const std::uint8_t> b) {
        got.push_back({h.ts_ns, h.wire_len, {b.begin(), b.end()}});
    }) == 4);
    REQUIRE(got.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(got[i].ts_ns == frames[i].ts_ns);
        CHECK(got[i].wire_len == frames[i].wire_len);
        const std::size_t kept = std::min<std::size_t>(frames[i].bytes.size(), 100);
        CHECK(got[i].bytes == std::vector<std::uint8_t>(frames[i].bytes.begin(), frames[i].bytes.begin() + kept));
    }
    // Slots are reused after the wrap, still in order.
    CHECK(ring.room() == 4);
    CHECK(put(ring, {frames[4], frames[5]}) == 2);
    got.clear();
    ring.consume([&](const CaptureHeader& h, std::span<const std::uint8_t> b) {
        got.push_back({h.ts_ns, h.wire_len, {b.begin(), b.end()}});
    });
    REQUIRE(got.size() == 2);
    CHECK(got[0].ts_ns == frames[4].ts_ns);
    CHECK(got[1].bytes.size() == 100);
    ring.close();
    CHECK(ring.room() == 0);
}

TEST_CASE("PcapWriter: two producer threads' frames all reach the file, nanosecond stamps intact", "[capture]") {
    const std::string path = temp_path("synline-capture-two");
    CaptureRing a(64, 2048), b(64, 2048);
    constexpr int kEach = 5000;
    {
        PcapWriter writer(path, 65535, {});
        writer.start({&a, &b});
        auto produce = [](CaptureRing& ring, std::uint8_t seed) {
            for (int i = 0; i < kEach;) {
                // Frame i of this producer: its number in the stamp and the bytes.
                Frame f{1'700'000'000'123'456'789ull + static_cast<std::uint64_t>(i), 64, pattern(64, seed)};
                f.bytes[0] = static_cast<std::uint8_t>(i);
                if (put(ring, {f}) == 1) ++i;
                else std::this_thread::yield();  // the test waits; a worker would count a drop
            }
        };
        std::thread ta(produce, std::ref(a), 1), tb(produce, std::ref(b), 2);
        ta.join();
        tb.join();
        writer.stop();
        CHECK(writer.packets() == 2 * kEach);
        CHECK(writer.bytes() == 24 + 2u * kEach * (16 + 64));
    }
    int precision = -1;
    const auto frames = read_pcap(path, &precision);
    std::filesystem::remove(path);
    CHECK(precision == PCAP_TSTAMP_PRECISION_NANO);
    REQUIRE(frames.size() == 2 * kEach);
    // Each producer's frames in its own order.
    int next[3] = {0, 0, 0};
    for (const Frame& f : frames) {
        const int who = f.bytes[1] == pattern(64, 1)[1] ? 1 : 2;
        CHECK(f.ts_ns == 1'700'000'000'123'456'789ull + static_cast<std::uint64_t>(next[who]));
        CHECK(f.bytes[0] == static_cast<std::uint8_t>(next[who]));
        ++next[who];
    }
    CHECK(next[1] == kEach);
    CHECK(next[2] == kEach);
}

TEST_CASE("PcapWriter: the packet limit closes the file and the rings", "[capture]") {
    const std::string path = temp_path("synline-capture-limit");
    CaptureRing ring(16, 2048);
    PcapWriter writer(path, 65535, CaptureLimits{3, 0});
    writer.start({&ring});
    std::vector<Frame> five;
    for (int i = 0; i < 5; ++i) five.push_back({static_cast<std::uint64_t>(i), 100, pattern(100, 9)});
    CHECK(put(ring, five) == 5);
    for (int i = 0; i < 2000 && !ring.closed(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CHECK(ring.closed());
    CHECK(ring.room() == 0);
    writer.stop();
    CHECK(writer.packets() == 3);
    CHECK(writer.over_limit() == 2);
    CHECK(read_pcap(path).size() == 3);
    std::filesystem::remove(path);
}

TEST_CASE("PcapWriter: the byte limit bounds the file's size", "[capture]") {
    const std::string path = temp_path("synline-capture-bytes");
    CaptureRing ring(64, 2048);
    const std::uint64_t limit = 24 + 3 * (16 + 1000) + 500;  // room for three 1000-byte frames
    PcapWriter writer(path, 65535, CaptureLimits{0, limit});
    writer.start({&ring});
    std::vector<Frame> frames(10, Frame{1, 1000, pattern(1000, 3)});
    CHECK(put(ring, frames) == 10);
    writer.stop();
    CHECK(writer.packets() == 3);
    CHECK(writer.over_limit() == 7);
    CHECK(std::filesystem::file_size(path) == 24 + 3 * (16 + 1000));
    CHECK(std::filesystem::file_size(path) <= limit);
    std::filesystem::remove(path);
}

TEST_CASE("PcapWriter: a file that cannot be created is a ConfigError naming it", "[capture]") {
    CHECK_THROWS_WITH(PcapWriter("/nonexistent-dir/x.pcap", 65535, {}),
                      Contains("capture.file '/nonexistent-dir/x.pcap'") && Contains("directory that exists"));
}

TEST_CASE("[capture]: defaults, directions, limits", "[capture][config]") {
    const CaptureConfig off = capture_of("");
    CHECK_FALSE(off.enabled());
    CHECK(off.rx);
    CHECK(off.tx);
    CHECK(off.snaplen == 65535);
    CHECK(off.ring_slots == 4096);

    const CaptureConfig c = capture_of("[capture]\nfile = /tmp/x.pcap\ndirection = rx\nsnaplen = 128\n"
                                       "max_packets = 10\nmax_bytes = 100000\nring_slots = 256\n");
    CHECK(c.enabled());
    CHECK(c.file == "/tmp/x.pcap");
    CHECK(c.rx);
    CHECK_FALSE(c.tx);
    CHECK(c.snaplen == 128);
    CHECK(c.limits.max_packets == 10);
    CHECK(c.limits.max_bytes == 100000);
    CHECK(c.ring_slots == 256);
    CHECK_FALSE(capture_of("", {"capture.file=/tmp/y", "capture.direction=tx"}).rx);
}

TEST_CASE("[capture]: bad settings are one line naming the key and the fix", "[capture][config]") {
    CHECK_THAT(capture_error("[capture]\nfile = f\ndirection = sideways\n"),
               Contains("t.conf:3") && Contains("capture.direction = 'sideways'") && Contains("rx, tx or both"));
    CHECK_THAT(capture_error("[capture]\nfile = f\nmax_bytes = 100\n"),
               Contains("capture.max_bytes = 100") && Contains("at least"));
    CHECK_THAT(capture_error("[capture]\nsnaplen = 128\n"),
               Contains("capture.snaplen is set but capture.file is empty") && Contains("--capture FILE"));
    CHECK_THAT(capture_error("[capture]\nfile = f\nsnaplen = 10\n"), Contains("snaplen"));
    CHECK(capture_error("[capture]\nfile = f\n") == "");
}
