#include "split.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fleetcap::split {
namespace {

bool blank(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Matches `literal` at `pos` after blanks; false with `pos` at text's end when it ran out.
enum class Match { yes, no, short_text };
Match expect(std::string_view text, std::size_t& pos, std::string_view literal) {
  while (pos < text.size() && blank(text[pos])) ++pos;
  for (char c : literal) {
    if (pos == text.size()) return Match::short_text;
    if (text[pos] != c) return Match::no;
    ++pos;
  }
  return Match::yes;
}

// Bit i set where each byte of the 64 equals `c`.
#if defined(__SSE2__)
struct Block {
  __m128i v[4];
  explicit Block(const char* p) {
    for (int k = 0; k < 4; ++k) v[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
  }
  std::uint64_t eq(char c, char fold = 0) const {
    const __m128i want = _mm_set1_epi8(c), or_mask = _mm_set1_epi8(fold);
    std::uint64_t bits = 0;
    for (int k = 0; k < 4; ++k) {
      const __m128i x = fold ? _mm_or_si128(v[k], or_mask) : v[k];
      bits |= static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, want))))
              << (16 * k);
    }
    return bits;
  }
};
#else
struct Block {
  const char* p;
  explicit Block(const char* q) : p(q) {}
  std::uint64_t eq(char c, char fold = 0) const {
    std::uint64_t bits = 0;
    for (int i = 0; i < 64; ++i)
      if (static_cast<char>(p[i] | fold) == c) bits |= std::uint64_t{1} << i;
    return bits;
  }
};
#endif

// Bit i set when an odd number of bits at or below i are set.
std::uint64_t prefix_xor(std::uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

// Steps over one JSON value at `pos` (after blanks) without checking it: a string, an object or
// array (strings and brackets tracked), or a number or literal. Only for the few small values a
// page may have before its items; a value that does not close within `text` is short_text.
Match skip_value(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && blank(text[pos])) ++pos;
  if (pos == text.size()) return Match::short_text;
  long depth = 0;
  bool in_string = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (in_string) {
      if (c == '\\')
        ++pos;
      else if (c == '"') {
        in_string = false;
        if (depth == 0) {
          ++pos;
          return Match::yes;
        }
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return Match::no;
      if (depth == 0) {
        ++pos;
        return Match::yes;
      }
    } else if (depth == 0 && (c == ',' || blank(c))) {
      return Match::yes; // the end of a number or literal
    }
  }
  return Match::short_text;
}

} // namespace

Prefix find_items(std::string_view text) {
  std::size_t pos = 0;
  auto step = [&](std::string_view literal) { return expect(text, pos, literal); };
  Prefix out;
  auto verdict = [&](Match m) {
    out.kind = m == Match::short_text ? Prefix::Kind::need_more : Prefix::Kind::unsupported;
    return out;
  };
  if (Match m = step("{"); m != Match::yes) return verdict(m);
  // Members before "items" in any order: api_version must be "v1" (else the page is parsed whole,
  // which says so); any other is stepped over and read with the rest of the envelope at the end.
  for (;;) {
    std::size_t key = pos;
    if (Match m = step("\"items\""); m == Match::yes)
      break;
    else if (m == Match::short_text)
      return verdict(m);
    pos = key;
    if (Match m = step("\"api_version\""); m == Match::short_text)
      return verdict(m);
    else if (m == Match::yes) {
      for (std::string_view literal : {":", "\"v1\"", ","})
        if (Match m2 = step(literal); m2 != Match::yes) return verdict(m2);
      continue;
    }
    pos = key;
    if (Match m = step("\""); m != Match::yes) return verdict(m);
    --pos; // the key is a string value
    if (Match m = skip_value(text, pos); m != Match::yes) return verdict(m);
    if (Match m = step(":"); m != Match::yes) return verdict(m);
    if (Match m = skip_value(text, pos); m != Match::yes) return verdict(m);
    if (Match m = step(","); m != Match::yes) return verdict(m);
  }
  for (std::string_view literal : {":", "["})
    if (Match m = step(literal); m != Match::yes) return verdict(m);
  out.kind = Prefix::Kind::found;
  out.items_begin = pos;
  return out;
}

ItemScanner::Brackets ItemScanner::block_scalar(const char* p) {
  Brackets b;
  for (int i = 0; i < 64; ++i) {
    const char c = p[i];
    if (escaped_) {
      escaped_ = false;
    } else if (in_string_) {
      if (c == '\\')
        escaped_ = true;
      else if (c == '"')
        in_string_ = false;
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      b.open |= std::uint64_t{1} << i;
    } else if (c == '}' || c == ']') {
      b.close |= std::uint64_t{1} << i;
    }
  }
  return b;
}

// The characters of a block escaped by a backslash: those after an odd run of backslashes
// (simdjson's stage 1 finds them the same way). `carry`: the block starts escaped (the run
// before it was odd); set for the next block.
static std::uint64_t escaped_chars(std::uint64_t backslashes, bool& carry) {
  constexpr std::uint64_t kEven = 0x5555555555555555ULL, kOdd = ~kEven;
  const std::uint64_t before = carry ? 1 : 0;
  const std::uint64_t starts = backslashes & ~(backslashes << 1);
  const std::uint64_t even_start_mask = kEven ^ before;
  const std::uint64_t even_starts = starts & even_start_mask, odd_starts = starts & ~even_start_mask;
  const std::uint64_t even_carries = backslashes + even_starts;
  std::uint64_t odd_carries = 0;
  carry = __builtin_add_overflow(backslashes, odd_starts, &odd_carries);
  odd_carries |= before;
  const std::uint64_t even_start_odd_end = even_carries & ~backslashes & kOdd;
  const std::uint64_t odd_start_even_end = odd_carries & ~backslashes & kEven;
  return even_start_odd_end | odd_start_even_end;
}

ItemScanner::Brackets ItemScanner::block(const char* p) {
  const Block v(p);
  // A quote after an odd run of backslashes is part of a string. slurmrestd escapes every '/'
  // ("\/"), so most of its blocks have backslashes: they are read 64 at a time too. A backslash
  // outside a string (not JSON) sends the block to the byte-by-byte reading, which escapes only
  // inside strings, so that both readings agree on every input.
  const bool was_in_string = in_string_, was_escaped = escaped_;
  const std::uint64_t backslashes = v.eq('\\');
  const std::uint64_t escaped = backslashes || escaped_ ? escaped_chars(backslashes, escaped_) : 0;
  const std::uint64_t quotes = v.eq('"') & ~escaped;
  // Set from each opening quote up to (not including) its closing quote.
  const std::uint64_t strings = prefix_xor(quotes) ^ (in_string_ ? ~std::uint64_t{0} : 0);
  if ((backslashes & ~strings) != 0) {
    in_string_ = was_in_string;
    escaped_ = was_escaped;
    return block_scalar(p);
  }
  in_string_ = (strings >> 63) != 0;
  Brackets b;
  b.open = v.eq('{', 0x20) & ~strings;  // '[' | 0x20 == '{'
  b.close = v.eq('}', 0x20) & ~strings; // ']' | 0x20 == '}'
  return b;
}

} // namespace fleetcap::split
