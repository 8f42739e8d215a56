// The one Eal of the test_engine_eal binary, created by its main.
#pragma once

#include "engine/eal.hpp"

namespace synline::engine::test {
const Eal& eal();
}
