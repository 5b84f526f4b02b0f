// A field's key as simdjson On Demand reads it, for every reader of JSON in src/ (parse.cpp's
// pages, the Slurm and Kubernetes adapters' answers). Private to src/.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fleetcap {

// The key read in place, between its quotes, unless it has escapes: then unescaped into the
// parser's string buffer as unescaped_key() does. Most keys have none, and unescaping each one
// through simdjson's dispatched string parser was a third of the Slurm adapter's time per job
// (docs/slurm.md, "Streaming").
template <class Field> // od::field, or simdjson_result<od::field> as object iteration gives it
std::string_view key_of(Field& field) {
  const char* begin = field.key().raw();
  const char* end = begin;
  while (*end != '"' && *end != '\\') ++end;
  if (*end == '"') return std::string_view(begin, static_cast<std::size_t>(end - begin));
  return field.unescaped_key();
}

} // namespace fleetcap

namespace fleetcap {

// Which of `N` keys a reader reads a key is: its index in `names`, or N for any other. Most
// other keys are told apart by their length and first byte alone, without comparing: the Slurm
// adapter reads 18 of a job's ~110 members, 50,000 jobs at a time, and a chain of comparisons
// per member was a tenth of its time (docs/slurm.md, "Streaming").
template <std::size_t N> class KeyIndex {
public:
  constexpr explicit KeyIndex(const std::array<std::string_view, N>& names) : names_(names) {
    for (std::string_view n : names_)
      if (!n.empty() && n.size() < 64 && static_cast<unsigned char>(n[0]) < 128)
        lengths_[static_cast<unsigned char>(n[0])] |= std::uint64_t{1} << n.size();
  }
  constexpr std::size_t find(std::string_view key) const {
    if (key.empty() || key.size() >= 64 || static_cast<unsigned char>(key[0]) >= 128 ||
        !((lengths_[static_cast<unsigned char>(key[0])] >> key.size()) & 1))
      return N;
    for (std::size_t i = 0; i < N; ++i)
      if (names_[i] == key) return i;
    return N;
  }
  // A name's index, in a constant expression (a case label): a name not in the list does not compile.
  consteval std::size_t at(std::string_view name) const {
    const std::size_t i = find(name);
    if (i == N) throw "not one of the keys";
    return i;
  }
  static constexpr std::size_t size() { return N; }

private:
  std::array<std::string_view, N> names_;
  std::array<std::uint64_t, 128> lengths_{};
};

} // namespace fleetcap
