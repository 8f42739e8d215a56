// Holds DPDK's log output during start-up. If start-up fails, the user sees
// one line from us (with the driver's own last error folded in) instead of a
// page of EAL and PMD messages; if it succeeds, the held messages are passed
// on to stderr unchanged.
#pragma once

#include <cstdio>
#include <string>

namespace synline::engine {

class LogCapture {
public:
    LogCapture();   // starts capturing (rte_openlog_stream)
    ~LogCapture();  // stops capturing; what was held is dropped unless forwarded
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    // Stops capturing and writes the held messages to stderr.
    void forward_to_stderr();
    // The first line that looks like an error ("failed", "error", "No such", ...),
    // usually the root cause; empty if none. Worth appending to a start-up error.
    std::string first_error_line();

private:
    std::string stop();

    char* buffer_ = nullptr;
    std::size_t size_ = 0;
    std::FILE* stream_ = nullptr;
};

}  // namespace synline::engine
