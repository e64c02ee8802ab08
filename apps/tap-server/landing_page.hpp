#pragma once
// The landing page (landing.html, built into the binary).
#include <string>

namespace dax::tapserver {
const std::string& landing_page();
}
