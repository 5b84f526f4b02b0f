// The config file through toml++ (fleetcap/source/config.hpp): the only file that includes it.
#include "fleetcap/source/config.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/source/local_file.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <set>
#include <sstream>

namespace fleetcap {

struct ConfigFile::Impl {
  toml::table root;
};

ConfigFile::ConfigFile() : impl_(std::make_unique<Impl>()) {}
ConfigFile::~ConfigFile() = default;

namespace {

std::size_t line_of(const toml::node& n) { return static_cast<std::size_t>(n.source().begin.line); }
std::size_t line_of(const toml::key& k) { return static_cast<std::size_t>(k.source().begin.line); }

// Printable on one line: control characters become '?'.
std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) out += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
  return out;
}
// The same, cut short after 60 bytes.
std::string shown_text(std::string_view text) {
  return text.size() > 60 ? printable(text.substr(0, 60)) + "..." : printable(text);
}

// A scalar's text: a string's own text, anything else as TOML writes it.
std::string scalar_text(const toml::node& n) {
  if (const auto* s = n.as_string()) return s->get();
  std::ostringstream out;
  n.visit([&](const auto& v) { out << v; });
  return out.str();
}

// As written in the file: strings quoted.
std::string toml_text(const toml::node& n) {
  if (n.is_string()) return fmt::format("\"{}\"", shown_text(n.as_string()->get()));
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  return shown_text(scalar_text(n));
}

std::string normal(std::string_view key) {
  std::string k(key);
  std::replace(k.begin(), k.end(), '_', '-');
  return k;
}

// The keys of `t` in file order (toml++ keeps a table sorted by key).
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> out;
  for (const auto& [k, v] : t) out.emplace_back(&k, &v);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::pair(line_of(*a.first), a.first->source().begin.column) <
           std::pair(line_of(*b.first), b.first->source().begin.column);
  });
  return out;
}

void flatten(const toml::table& t, std::vector<std::string>& parents, const std::vector<std::string_view>& skip,
             std::vector<ConfigFile::Item>& out) {
  for (const auto& [k, v] : in_file_order(t)) {
    const std::string name(k->str());
    if (parents.empty() && std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    if (const auto* sub = v->as_table(); sub && !sub->is_inline()) {
      parents.push_back(name);
      flatten(*sub, parents, skip, out);
      parents.pop_back();
      continue;
    }
    using Type = ConfigFile::Item::Type;
    ConfigFile::Item item{parents, name, {}, line_of(*k), Type::text, toml_text(*v)};
    if (const auto* a = v->as_array()) {
      item.type = Type::array;
      for (const auto& e : *a) {
        if (e.is_table() || e.is_array())
          item.type = Type::table; // no option takes an array of tables
        else
          item.inputs.push_back(scalar_text(e));
      }
    } else if (v->is_table()) {
      item.type = Type::table;
    } else {
      item.type = v->is_boolean() ? Type::boolean : Type::text;
      item.inputs.push_back(scalar_text(*v));
    }
    out.push_back(std::move(item));
  }
}

} // namespace

std::shared_ptr<const ConfigFile> ConfigFile::read(const std::string& path) {
  LocalRead read = read_local_file(path, std::uint64_t{1} << 20, "1 MiB, too large for a config file");
  if (!read.bytes) throw UsageError(fmt::format("--config {}", read.error));
  std::shared_ptr<ConfigFile> file(new ConfigFile());
  file->path_ = path;
  try {
    file->impl_->root = toml::parse(*read.bytes, path);
  } catch (const toml::parse_error& e) {
    std::string why(e.description());
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    throw UsageError(fmt::format("--config {}: line {}: {}", path, e.source().begin.line, printable(why)));
  }
  return file;
}

std::vector<ConfigFile::Item> ConfigFile::items(const std::vector<std::string_view>& skip) const {
  std::vector<Item> out;
  std::vector<std::string> parents;
  flatten(impl_->root, parents, skip, out);
  return out;
}

std::vector<ConfigFile::Source> ConfigFile::sources() const {
  std::vector<Source> out;
  const auto* sources = impl_->root["sources"].as_table();
  if (!sources) return out;
  for (const auto& [k, v] : in_file_order(*sources)) out.push_back({std::string(k->str()), line_of(*k)});
  return out;
}

// ---------------------------------------------------------------------------------------------

struct KindConfig::State {
  // The layers, the source's first; either may be absent.
  struct Layer {
    const toml::table* table = nullptr;
    std::string name; // "[slurm]", "[sources.lab]"
    std::size_t line = 0;
    std::set<std::string> used; // normalised keys asked for
  };
  std::array<Layer, 2> layers;

  // The layer holding `key` and its node; (nullptr, nullptr) when absent. The key counts as read
  // in every layer: the source's own value hides the kind table's, which is not unknown for that.
  std::pair<Layer*, const toml::node*> find(std::string_view key, bool source_only = false) {
    const std::string want = normal(key);
    for (std::size_t i = 0; i < (source_only ? 1 : layers.size()); ++i) {
      Layer& l = layers[i];
      if (!l.table) continue;
      for (const auto& [k, v] : *l.table)
        if (normal(k.str()) == want) {
          for (auto& each : layers) each.used.insert(want);
          return {&l, &v};
        }
    }
    return {nullptr, nullptr};
  }
};

KindConfig::KindConfig(std::shared_ptr<const ConfigFile> file, std::string table, std::string source,
                       std::function<void(const std::string&)> warn)
    : file_(std::move(file)), table_(std::move(table)), source_(std::move(source)), warn_(std::move(warn)),
      state_(std::make_unique<State>()) {
  if (!file_) return;
  const toml::table& root = file_->impl().root;
  if (!source_.empty())
    if (const auto* sources = root["sources"].as_table())
      if (const auto* t = (*sources)[source_].as_table())
        state_->layers[0] = {t, fmt::format("[sources.{}]", source_), line_of(*t), {}};
  if (!table_.empty())
    if (const auto* t = root[table_].as_table()) state_->layers[1] = {t, fmt::format("[{}]", table_), line_of(*t), {}};
}

KindConfig::~KindConfig() = default;

std::string KindConfig::where(std::string_view key) const {
  if (!file_) return "the command line";
  auto [layer, node] = key.empty() ? std::pair<State::Layer*, const toml::node*>{} : state_->find(key);
  std::size_t line = node ? line_of(*node) : 0;
  if (!line)
    for (const auto& l : state_->layers)
      if (l.table) {
        line = l.line;
        break;
      }
  return line ? fmt::format("config file {}:{}", file_->path(), line) : fmt::format("config file {}", file_->path());
}

std::string KindConfig::table_name(std::string_view key) const {
  if (!key.empty())
    if (auto [layer, node] = state_->find(key); layer) return layer->name;
  return table_.empty() ? fmt::format("[sources.{}]", source_) : fmt::format("[{}]", table_);
}

std::string KindConfig::subtable_name(std::string_view sub) const {
  std::string name = table_name(sub);
  name.insert(name.size() - 1, fmt::format(".{}", sub));
  return name;
}

namespace {
[[noreturn]] void wrong_type(const KindConfig& c, std::string_view key, std::string_view want, const toml::node& n) {
  throw UsageError(
      fmt::format("{}: {} {} must be {}, got {}", c.where(key), c.table_name(key), key, want, toml_text(n)));
}
} // namespace

std::optional<std::string> KindConfig::text(std::string_view key) {
  auto [layer, node] = state_->find(key);
  if (!node) return std::nullopt;
  if (!node->is_string()) wrong_type(*this, key, "a string", *node);
  return node->as_string()->get();
}

std::optional<std::string> KindConfig::source_text(std::string_view key) {
  auto [layer, node] = state_->find(key, true);
  if (!node) return std::nullopt;
  if (!node->is_string()) wrong_type(*this, key, "a string", *node);
  return node->as_string()->get();
}

std::optional<bool> KindConfig::boolean(std::string_view key) {
  auto [layer, node] = state_->find(key);
  if (!node) return std::nullopt;
  if (!node->is_boolean()) wrong_type(*this, key, "true or false", *node);
  return node->as_boolean()->get();
}

std::optional<std::int64_t> KindConfig::integer(std::string_view key) {
  auto [layer, node] = state_->find(key);
  if (!node) return std::nullopt;
  if (!node->is_integer()) wrong_type(*this, key, "an integer", *node);
  return node->as_integer()->get();
}

std::optional<std::vector<std::string>> KindConfig::words(std::string_view key) {
  auto [layer, node] = state_->find(key);
  if (!node) return std::nullopt;
  std::vector<std::string> texts;
  if (node->is_string()) {
    texts.push_back(node->as_string()->get());
  } else if (const auto* a = node->as_array()) {
    for (const auto& e : *a) {
      if (!e.is_string()) wrong_type(*this, key, "a list of strings", *node);
      texts.push_back(e.as_string()->get());
    }
  } else {
    wrong_type(*this, key, "a list of strings", *node);
  }
  std::vector<std::string> out;
  for (const auto& v : texts)
    for (std::size_t a = 0; a <= v.size();) {
      auto b = v.find(',', a);
      if (b == std::string::npos) b = v.size();
      if (b > a) out.push_back(v.substr(a, b - a));
      a = b + 1;
    }
  return out;
}

std::vector<KindConfig::Entry> KindConfig::entries(std::string_view sub) {
  auto [layer, node] = state_->find(sub);
  if (!node) return {};
  const auto* t = node->as_table();
  if (!t) wrong_type(*this, sub, "a table", *node);
  std::vector<Entry> out;
  for (const auto& [k, v] : in_file_order(*t)) {
    Entry e{std::string(k->str()), v->is_table() || v->is_array() ? toml_text(*v) : scalar_text(*v), std::nullopt,
            toml_text(*v), fmt::format("config file {}:{}", file_->path(), line_of(*k))};
    if (v->is_integer()) e.integer = v->as_integer()->get();
    out.push_back(std::move(e));
  }
  return out;
}

void KindConfig::finish() {
  for (const auto& l : state_->layers) {
    if (!l.table) continue;
    for (const auto& [k, v] : in_file_order(*l.table)) {
      if (l.used.contains(normal(k->str()))) continue;
      const std::string at = fmt::format("config file {}:{}", file_->path(), line_of(*k));
      const std::string inner = l.name.substr(1, l.name.size() - 2);
      if (v->is_table())
        warn(fmt::format("{}: unknown table [{}.{}]", at, inner, shown_text(k->str())));
      else
        warn(fmt::format("{}: unknown key {} {}", at, l.name, shown_text(k->str())));
    }
  }
}

} // namespace fleetcap
