// Loading a whole snapshot: the source that --source names feeds the one loader (loader.hpp),
// which links resources as they are parsed and gathers errors and warnings.
#include "fleetcap/error.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/model/validate.hpp"
#include "fleetcap/secrets.hpp"
#include "fleetcap/source/kinds.hpp"
#include "fleetcap/source/source.hpp"
#include "fleetcap/text.hpp"
#include "http.hpp"
#include "loader.hpp"
#include "url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace fleetcap {

bool is_slurm_command_source(std::string_view s) {
  return s == "slurm" || s.starts_with("slurm:") || s.starts_with("slurm+ssh://");
}

// The one credential rule (take_credential, fleetcap/secrets.hpp): registered, and refused with a
// control character.
void check_header_token(const std::string& token, const char* where) {
  take_credential(token, fmt::format("the token from {}", where), fmt::format("fix {}", where));
}

namespace source {

// A JSON media type: application/json, text/json, or any */*+json (RFC 6839), parameters
// ignored. A server that names no type at all is given the benefit of the doubt.
bool json_content_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  std::string lower;
  for (char c : type) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.empty()) return true;
  const auto slash = lower.find('/');
  if (slash == std::string::npos) return false;
  const std::string_view subtype = std::string_view(lower).substr(slash + 1);
  return subtype == "json" || subtype.ends_with("+json");
}

void require_json(const http::Response& resp, std::string_view shown_url) {
  if (json_content_type(resp.content_type)) return;
  throw RuntimeError(fmt::format("GET {}: expected JSON, got Content-Type \"{}\"{}: {}", shown_url,
                                 quote_from_server(resp.content_type, 100), resp.redirected,
                                 quote_from_server(resp.head)));
}

void PageTokens::before_page(std::string_view shown_url) {
  if (++pages_ > max_pages_)
    throw RuntimeError(
        fmt::format("GET {}: {} has more than --max-pages {} pages; giving up", shown_url, list_, max_pages_));
}

bool PageTokens::more(const std::string& token, std::string_view shown_url) {
  if (token.empty()) return false;
  if (!seen_.insert(token).second)
    throw RuntimeError(fmt::format("GET {}: the server sent a {} it had sent before for {}; the pages would never end "
                                   "(does a proxy drop the query string?)",
                                   shown_url, kind_, list_));
  return true;
}

Loader::Loader(const SourceOptions& options, Snapshot& snap, RawItems* raw, const Cancel* cancel, SourceStatus* status)
    : options_(options), snap_(snap), raw_(raw), cancel_(cancel), status_(status),
      started_(std::chrono::steady_clock::now()) {
  // Linking starts as soon as the resources each stage needs are parsed (validate.hpp).
  if (options.only.empty()) linker_.emplace(snap);
}

bool Loader::wanted(Resource r) const {
  return options_.only.empty() || std::find(options_.only.begin(), options_.only.end(), r) != options_.only.end();
}

void Loader::done(Resource r) {
  const Outcome& out = outcome(r);
  if (options_.on_parsed)
    options_.on_parsed(r,
                       std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count());
  if (linker_) linker_->parsed(r, !out.failed && !out.interrupted && !out.stopped && out.json_ok);
}

void Loader::spawn(Tasks& tasks, Resource r, std::function<void(Cancel&)> read) {
  tasks.spawn([this, r, read = std::move(read)](Cancel& cancel) {
    Outcome& out = outcome(r);
    try {
      if (cancel.requested()) throw Cancelled();
      read(cancel);
    } catch (const InterruptedError&) {
      out.interrupted = true;
      done(r);
      throw;
    } catch (const Cancelled&) {
      out.stopped = true;
      done(r);
      throw;
    } catch (const std::exception& e) {
      out.failed = e.what();
      done(r);
      throw;
    }
    done(r);
  });
}

void Loader::parse_built_page(Resource r, std::string_view label, std::string& page) {
  Outcome& out = outcome(r);
  out.json_ok = parse_page(r, label, page, snap_, out.errors).json_ok;
  if (auto* kept = raw(r); kept && out.errors.empty()) kept->push_back(items_text(label, page));
  done(r);
}

void Loader::link_while_waiting() {
  if (linker_) linker_->run_until_done();
}

void Loader::finish() {
  for (auto& out : outcomes_)
    if (out.interrupted || interrupt_requested()) throw InterruptedError();
  for (auto& out : outcomes_)
    if (out.failed) throw RuntimeError(*out.failed);
  std::vector<std::string> errors;
  bool json_ok = true;
  for (auto& out : outcomes_) {
    if (out.warning) snap_.warnings.push_back(*out.warning);
    errors.insert(errors.end(), out.errors.begin(), out.errors.end());
    json_ok = json_ok && out.json_ok;
  }
  // Cross-item rules only make sense over whole documents; a broken one would make every
  // reference into it look unknown.
  if (!json_ok) throw DataError(std::move(errors));
  if (linker_) {
    std::vector<std::string> warnings;
    linker_->take(errors, warnings); // rethrows what a stage threw
    if (!linker_->complete()) throw std::logic_error("the snapshot was parsed but not every link stage ran");
    snap_.warnings.insert(snap_.warnings.end(), warnings.begin(), warnings.end());
  }
  if (!errors.empty()) throw DataError(std::move(errors));
}

} // namespace source

} // namespace fleetcap
