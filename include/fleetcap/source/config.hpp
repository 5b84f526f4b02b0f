// The config file (docs/sources.md, "Config file"): TOML, read once with toml++. The command line
// takes its top-level keys as long options; each kind of source reads its own table ([slurm],
// [kube], ...) through a KindConfig; [sources.NAME] tables name sources. toml++ stays inside
// src/source/config.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetcap {

class ConfigFile {
public:
  // Reads and parses `path` (a regular file of at most 1 MiB). Throws UsageError
  // "--config PATH: line N: WHY" when it cannot be read or is not TOML.
  static std::shared_ptr<const ConfigFile> read(const std::string& path);
  ~ConfigFile();
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;

  const std::string& path() const { return path_; }

  // One key as the command line's option reader takes it: its value(s) as text (a string
  // without its quotes; an array's items one each), under the tables named in `parents`.
  struct Item {
    std::vector<std::string> parents;
    std::string name;
    std::vector<std::string> inputs;
    std::size_t line = 0;
    enum class Type { text, boolean, array, table } type = Type::text; // text: a string, number or date
    std::string shown; // the value as written, for messages: "\"lots\"", 10, an array
  };
  // Every key outside the tables named in `skip` (the kinds' tables and [sources]), in file order.
  std::vector<Item> items(const std::vector<std::string_view>& skip) const;

  // The [sources.NAME] tables, in file order.
  struct Source {
    std::string name;
    std::size_t line = 0;
  };
  std::vector<Source> sources() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

private:
  ConfigFile();
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

// What a kind of source's config reader (kinds.hpp) reads: the kind's own table ([slurm]) seen
// through the [sources.NAME] table of the source being read, whose keys win; a subtable
// ([slurm.priority]) is the source's own ([sources.NAME.priority]) when it has one. A key may be
// written with '-' or '_' (hard-start, hard_start). A value of the wrong type is a UsageError
// naming the file, the line and the key. Every key nobody asked for is warned about, with its
// line, by finish().
class KindConfig {
public:
  // `file` may be null (no config file: nothing is found). `source`: the [sources.NAME] name, or
  // empty for a source named on the command line.
  KindConfig(std::shared_ptr<const ConfigFile> file, std::string table, std::string source,
             std::function<void(const std::string&)> warn);
  ~KindConfig();
  KindConfig(const KindConfig&) = delete;
  KindConfig& operator=(const KindConfig&) = delete;

  std::optional<std::string> text(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key);
  // An array of strings, or one string of comma-separated words.
  std::optional<std::vector<std::string>> words(std::string_view key);
  // Only the [sources.NAME] table's key (settings that every kind takes: url, region, ...).
  std::optional<std::string> source_text(std::string_view key);

  // The keys of subtable `sub`, in file order.
  struct Entry {
    std::string key;
    std::string text;                    // a string's text, or the value as written
    std::optional<std::int64_t> integer; // when it is an integer
    std::string shown;                   // as written in TOML: "\"lots\"", 10
    std::string where;                   // "config file PATH:LINE"
  };
  std::vector<Entry> entries(std::string_view sub);

  // "config file PATH:LINE" for `key` (the line of the table when the key is absent).
  std::string where(std::string_view key = {}) const;
  // "[slurm]", or "[sources.lab]" when that table holds `key`.
  std::string table_name(std::string_view key = {}) const;
  // "[slurm.priority]", or "[sources.lab.priority]" when the source's table has that subtable.
  std::string subtable_name(std::string_view sub) const;
  const std::string& table() const { return table_; }
  void warn(const std::string& message) const {
    if (warn_) warn_(message);
  }
  // Warns about every key and subtable of the tables read that nothing asked for.
  void finish();

private:
  struct State;
  std::shared_ptr<const ConfigFile> file_;
  std::string table_, source_;
  std::function<void(const std::string&)> warn_;
  std::unique_ptr<State> state_;
};

} // namespace fleetcap
