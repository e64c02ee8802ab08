#pragma once
// Test hook: the token streams of the generated and the hand-written lexers, side by side.
#include <string>
#include <string_view>
#include <vector>

namespace dax::adql::detail {

/// One token as "type:text@line:column" (default-channel tokens only, then EOF).
std::vector<std::string> tokens_generated(std::string_view adql);
std::vector<std::string> tokens_fast(std::string_view adql);

}  // namespace dax::adql::detail
