#pragma once
// Test hook: the token streams of the generated and the hand-written lexers, side by side.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dax::adql::detail {

/// One token as "type:text@line:column" (default-channel tokens only, then EOF).
std::vector<std::string> tokens_generated(std::string_view adql);
std::vector<std::string> tokens_fast(std::string_view adql);

/// How many parses so far needed the full-LL second pass (SLL prediction failed).
std::uint64_t ll_fallbacks();
/// DFA states cached by this thread's parser, and the count past which it starts afresh.
std::size_t parser_dfa_states();
std::size_t parser_dfa_state_limit();

}  // namespace dax::adql::detail
