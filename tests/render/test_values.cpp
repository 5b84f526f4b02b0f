// cols::Value (src/render/columns.hpp): a text or a list's names are views, of the model's text
// or of the value's own copy; a copy or a move of a value that keeps its text must view its own,
// never the one it came from (which may be gone). And what json_document asks of the values it
// writes (plain_values).
#include "render/columns.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

using namespace fleetcap;
using namespace fleetcap::cols;

namespace {

// Whether `s` lies within `v`'s own storage: copied from the original, not viewing it.
bool within(std::string_view s, std::uintptr_t from, std::size_t size) {
  const auto at = reinterpret_cast<std::uintptr_t>(s.data());
  return at >= from && at < from + size;
}

} // namespace

TEST_CASE("a value keeps the text it was made from a std::string across copies and moves", "[values]") {
  // A short text lives inside the std::string (its small-string buffer), a long one on the heap:
  // a move carries the heap text along but copies the short one.
  for (const std::string text : {"h100", "a-name-longer-than-any-small-string-buffer-0001"}) {
    INFO(text);
    auto original = std::make_unique<Value>(txt(std::string(text), Tone::warn));
    REQUIRE(original->text == text);
    const Value copied = *original;
    Value moved = std::move(*std::make_unique<Value>(*original));
    Value assigned = num(1);
    assigned = copied;
    Value move_assigned = none();
    move_assigned = Value(copied);
    const auto was = reinterpret_cast<std::uintptr_t>(original.get());
    original.reset(); // the value it came from is gone
    for (const Value* v : std::initializer_list<const Value*>{&copied, &moved, &assigned, &move_assigned}) {
      CHECK(v->kind == Value::Kind::text);
      CHECK(v->text == text);
      CHECK(v->tone == Tone::warn);
      CHECK_FALSE(within(v->text, was, sizeof(Value))); // not the gone value's small-string buffer
    }
  }
}

TEST_CASE("a value views text the model holds, and keeps copies of names given to list_of", "[values]") {
  const std::string model = "node-0001";
  const Value v = txt(std::string_view(model));
  CHECK(v.text.data() == model.data()); // referred to, not copied
  const Value copy = v;
  CHECK(copy.text.data() == model.data());

  Value list;
  {
    const std::vector<std::string> made = {"a", "a-longer-node-name-0002", "", "c"};
    list = list_of(made, "a,…");
  } // the names list_of was given are gone
  const Value copied = list;
  Value moved = Value(list);
  for (const Value* l : std::initializer_list<const Value*>{&list, &copied, &moved}) {
    CHECK(l->kind == Value::Kind::list);
    CHECK(l->number == 4);
    REQUIRE(l->items.size() == 4);
    CHECK(l->items[0] == "a");
    CHECK(l->items[1] == "a-longer-node-name-0002");
    CHECK(l->items[2].empty());
    CHECK(l->items[3] == "c");
    CHECK(l->shown == "a,…");
  }
  CHECK(copied.items.data() != list.items.data()); // its own names

  const std::vector<std::string_view> nodes = {"n1", "n2"};
  const Value ref = list_ref(nodes);
  CHECK(ref.items.data() == nodes.data()); // the model's list itself
  CHECK(Value(ref).items.data() == nodes.data());
  CHECK(ref.number == 2);
}

TEST_CASE("values are plain (no table forms wanted) only while a JSON document is written", "[values]") {
  CHECK_FALSE(plain_values());
  {
    const PlainValues outer;
    CHECK(plain_values());
    {
      const PlainValues inner;
      CHECK(plain_values());
    }
    CHECK(plain_values()); // an inner document's end does not end the outer one's
  }
  CHECK_FALSE(plain_values());
}
