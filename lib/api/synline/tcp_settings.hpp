// The [tcp] section of a drivers-cfg file: per-core stack tunables.
#pragma once

#include "engine/config.hpp"
#include "tcp/listener.hpp"
#include "tcp/stack_config.hpp"
#include "tcp/syn_cookie.hpp"

namespace synline {

const engine::SectionSchema& tcp_schema();
// Throw engine::ConfigError naming the key when a value is out of its domain.
tcp::StackConfig stack_config_from(const engine::Section& tcp_section);
tcp::ListenOptions listen_options_from(const engine::Section& tcp_section);

}  // namespace synline
