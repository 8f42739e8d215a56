// Output of synline-gen: the live line each second, the summary and the JSON record.
#pragma once

#include <cstdint>
#include <string>

#include "gen_options.hpp"
#include "generator.hpp"
#include "synline/runtime.hpp"

namespace synline::gen {

std::string format_ns(std::uint64_t ns);  // "41.3us", "1.20ms", "850ns"
std::string live_line(const GenOptions& o, const SecondRecord& r);

struct Result {
    Tally total;
    double measured_s = 0;
    CounterTotals counters;     // the runtime's, at the end
};

std::string summary(const GenOptions& o, const Result& r);
std::string json_record(const GenOptions& o, const Result& r);

std::uint64_t counter(const CounterTotals& t, std::string_view name);

}  // namespace synline::gen
