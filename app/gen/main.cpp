// synline-gen: a TCP load generator on synline's own stack (active open).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/config.hpp"
#include "gen_options.hpp"
#include "generator.hpp"
#include "report.hpp"
#include "synline/runtime.hpp"

namespace {

using namespace synline;
using namespace synline::gen;

int fail(const std::string& what) {
    std::fprintf(stderr, "synline-gen: %s\n", what.c_str());
    return 1;
}

// Prints second k once every worker has reported it (or at the end, what is
// left). It runs on the main lcore's CPU, which may be a worker's too: it
// wakes rarely and takes no lock a worker could wait for.
class Reporter {
public:
    Reporter(const GenOptions& o, std::vector<std::unique_ptr<Mailbox>>& boxes) : o_(o), boxes_(boxes) {}

    void start() { thread_ = std::thread([this] { loop(); }); }
    void stop() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
    }

private:
    void loop() {
        for (;;) {
            const bool last = stop_.load();
            while (print_next(last)) {
            }
            if (last) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
    // One line for the oldest second that every worker (or, at the end, any) has reported.
    bool print_next(bool flush) {
        SecondRecord merged;
        bool any = false, all = true;
        for (auto& b : boxes_) {
            if (b->seconds.read_available() > 0) any = true;
            else all = false;
        }
        if (!any || (!all && !flush)) return false;
        bool any_merged = false;
        for (auto& b : boxes_) {
            if (b->seconds.read_available() == 0) continue;
            const SecondRecord& r = b->seconds.front();
            merged.index = std::max(merged.index, r.index);
            merged.seconds = any_merged ? std::max(merged.seconds, r.seconds) : r.seconds;
            any_merged = true;
            merged.open += r.open;
            merged.tally.merge(r.tally);
            b->seconds.pop();
        }
        if (!o_.quiet) {
            std::printf("%s\n", live_line(o_, merged).c_str());
            std::fflush(stdout);
        }
        return true;
    }

    const GenOptions& o_;
    std::vector<std::unique_ptr<Mailbox>>& boxes_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::string unreachable_reason(const GenOptions& o, const Result& r) {
    const Tally& t = r.total;
    const std::string target = o.target_ip.to_string() + ":" + std::to_string(o.target_port);
    auto err = [&](ErrorKind k) { return t.errors[static_cast<std::size_t>(k)]; };
    if (o.mode == Mode::synflood && t.started == 0)
        return "no SYN sent: " + o.target_ip.to_string() + " (or its router) did not answer ARP; give "
               "--target-mac for a peer that does not answer it (a reflector)";
    if (o.mode == Mode::synflood)
        return "no SYN-ACK came back from " + target + " (" + std::to_string(t.started) +
               " SYNs sent): is it up and on-link, and does it listen on that port?";
    if (counter(r.counters, "tcp.segments_in") == 0)
        return "target " + target + " unreachable: nothing answered in " + std::to_string(o.duration_s) +
               " s (" + std::to_string(counter(r.counters, "arp_requests_sent")) + " ARP requests sent, " +
               std::to_string(counter(r.counters, "drop.no_arp_entry")) +
               " frames dropped waiting for ARP): check --target, --ip and the link";
    if (err(ErrorKind::refused) > 0 && err(ErrorKind::refused) == t.error_total())
        return "target " + target + " refused every connection (" + std::to_string(err(ErrorKind::refused)) +
               " RSTs): is a server listening on that port?";
    std::string kinds;
    for (std::size_t i = 0; i < kErrorKinds; ++i)
        if (t.errors[i]) kinds += std::string(kinds.empty() ? "" : ", ") + to_string(static_cast<ErrorKind>(i)) +
                                 " " + std::to_string(t.errors[i]);
    if (o.mode == Mode::bulk)
        return "no connection to " + target + " was established (" + (kinds.empty() ? "no errors" : kinds) + ")";
    return "no operation against " + target + " completed in " + std::to_string(o.duration_s) + " s (" +
           (kinds.empty() ? "no errors: raise --duration or --timeout?" : kinds) + ")";
}

}  // namespace

int main(int argc, char** argv) {
    GenOptions options;
    try {
        options = parse_gen_options(argc, argv);
    } catch (const std::invalid_argument& e) {
        return fail(e.what());
    }
    if (options.help) {
        std::fputs(gen_usage(), stdout);
        return 0;
    }
    try {
        Runtime runtime(options.runtime);
        std::printf("synline-gen: %s\n", runtime.describe().c_str());
        const unsigned workers = runtime.worker_count();
        std::vector<std::unique_ptr<Mailbox>> boxes;
        for (unsigned i = 0; i < workers; ++i) boxes.push_back(std::make_unique<Mailbox>());
        std::vector<std::unique_ptr<Generator>> gens(workers);
        std::atomic<unsigned> finished{0};
        std::vector<char> done(workers, 0);
        Reporter reporter(options, boxes);
        reporter.start();
        Result result;
        try {
            result.counters = runtime.run(
                [&](tcp::Stack& stack, unsigned w) {
                    gens[w] = std::make_unique<Generator>(options, w, workers, *boxes[w]);
                    gens[w]->stack = &stack;
                    if (engine::FrameTap* tap = gens[w]->frame_tap()) runtime.set_frame_tap(w, tap);
                },
                [&](tcp::Stack& stack) {
                    for (unsigned w = 0; w < workers; ++w) {
                        if (!gens[w] || gens[w]->stack != &stack) continue;
                        if (gens[w]->step() && !done[w]) {
                            done[w] = 1;  // each worker writes only its own element
                            if (finished.fetch_add(1) + 1 == workers) runtime.request_stop();
                        }
                    }
                });
        } catch (...) {
            reporter.stop();
            throw;
        }
        for (auto& g : gens)
            if (g) g->finish_if_interrupted();
        reporter.stop();
        for (auto& b : boxes) {
            result.total.merge(b->total);
            result.measured_s = std::max(result.measured_s, b->measured_s);
        }
        std::fputs(summary(options, result).c_str(), stdout);
        const std::string json = json_record(options, result);
        if (options.json_path.empty()) {
            std::printf("json:\n%s\n", json.c_str());
        } else {
            std::ofstream f(options.json_path);
            f << json << "\n";
            if (!f) return fail("cannot write --json " + options.json_path);
        }
        std::fflush(stdout);
        const bool nothing = result.total.ok == 0 && result.total.reflected == 0;
        if (nothing) return fail(unreachable_reason(options, result));
        return 0;
    } catch (const engine::ConfigError& e) {
        return fail(e.what());
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}
