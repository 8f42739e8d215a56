// The [tcp] section of a drivers-cfg file: per-core stack tunables.
#pragma once

#include "engine/config.hpp"
#include "tcp/stack_config.hpp"

namespace synline {

const engine::SectionSchema& tcp_schema();
tcp::StackConfig stack_config_from(const engine::Section& tcp_section);

}  // namespace synline
