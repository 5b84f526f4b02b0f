// "Did you mean ...": the known names nearest to a mistyped one (docs/cli.md), bounded so that a
// long word against a large fleet costs little (issue 16.10).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fleetcap {

// Words longer than this get no suggestions: nobody mistypes 64 characters.
inline constexpr std::size_t kMaxSuggestLength = 64;

// Edit distance (insert, delete, substitute; case-insensitive), or `limit` + 1 as soon as it
// is known to exceed `limit`.
std::size_t bounded_distance(std::string_view a, std::string_view b, std::size_t limit);

// Up to `n` of `names` within max(2, |word| / 3) edits of `word`, nearest first, then by name.
// A name whose length differs from the word's by more than that limit is skipped unread, and
// each distance stops at the limit: O(names) for a word of any length.
std::vector<std::string> closest_names(std::string_view word, const std::vector<std::string_view>& names,
                                       std::size_t n = 3);

// "; did you mean \"a\" or \"b\"?" for a message's end, or "" when there is no suggestion.
std::string did_you_mean(const std::vector<std::string>& names);

} // namespace fleetcap
