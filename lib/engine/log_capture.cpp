#include "engine/log_capture.hpp"

#include <cstdlib>
#include <sstream>

#include <rte_log.h>

namespace synline::engine {

LogCapture::LogCapture() : stream_(open_memstream(&buffer_, &size_)) {
    if (stream_) rte_openlog_stream(stream_);
}

LogCapture::~LogCapture() {
    stop();
    std::free(buffer_);
}

std::string LogCapture::stop() {
    if (!stream_) return std::string(buffer_ ? buffer_ : "", size_);
    rte_openlog_stream(nullptr);  // back to DPDK's default (stderr)
    std::fclose(stream_);
    stream_ = nullptr;
    return std::string(buffer_ ? buffer_ : "", size_);
}

void LogCapture::forward_to_stderr() {
    std::string text = stop();
    std::fputs(text.c_str(), stderr);
}

std::string LogCapture::first_error_line() {
    if (stream_) std::fflush(stream_);
    std::istringstream lines(std::string(buffer_ ? buffer_ : "", size_));
    std::string line;
    while (std::getline(lines, line))
        for (const char* word : {"fail", "error", "Error", "No such", "Could not", "cannot", "denied"})
            if (line.find(word) != std::string::npos) return line;
    return {};
}

}  // namespace synline::engine
