// libcurl lives here and nowhere else.
#include "http.hpp"
#include "fleetcap/secrets.hpp"
#include "fleetcap/text.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/source/local_file.hpp"
#include "url.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace fleetcap {
namespace {
std::atomic<bool> g_interrupted{false};
} // namespace

void request_interrupt() noexcept { g_interrupted.store(true); }
bool interrupt_requested() noexcept { return g_interrupted.load(); }
void clear_interrupt() noexcept { g_interrupted.store(false); }

namespace http {
namespace {

constexpr int kMaxRetries = 3;
// The body's first bytes, kept for messages: messages quote 200 bytes of it, redacted before they
// are cut (fleetcap/text.hpp), so it holds any secret that starts in those 200 bytes whole.
constexpr std::size_t kHeadBytes = 64 * 1024;
constexpr std::size_t kErrorBodyBytes = 64 * 1024; // of an error status's body
// What an observed body is reserved for: a window larger than one curl read (CURLOPT_BUFFERSIZE)
// plus the 1 MiB a stream waits for before it starts (load.cpp).
constexpr std::size_t kObservedWindow = std::size_t{2} << 20;
constexpr long kRetryAfterCap = 30;

struct Transfer {
  CURL* handle = nullptr;
  std::string body;          // what arrived, less what the observer dropped
  std::string head;          // the first kHeadBytes of the body
  std::int64_t received = 0; // the whole body's length so far
  std::size_t expected = 0;  // the body's likely length, from Content-Length (0: unknown)
  std::int64_t limit = 0;
  bool too_large = false;
  bool error_body_cut = false; // a non-2xx body was cut after kHeadBytes: only that much is quoted
  bool compressed = false;     // the response has a Content-Encoding (libcurl decodes it)
  const source::Cancel* cancel = nullptr;
  BodyObserver* observer = nullptr;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  constexpr std::string_view kName = "content-encoding:";
  if (line.starts_with("HTTP/")) t->compressed = false; // a new response (redirect, retry)
  if (line.size() > kName.size() &&
      std::equal(kName.begin(), kName.end(), line.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }) &&
      line.find("identity") == std::string_view::npos)
    t->compressed = true;
  return size * count;
}

// Room for `n` more bytes. Doubling a large body would hold the old copy and the new one at once
// (twice --max-response-mb at the peak, a gzip bomb's 4 GB): past kGrowStep, reserve the
// whole cap once instead, which costs address space, not memory, until it is written.
constexpr std::size_t kGrowStep = std::size_t{4} << 20;
void make_room(Transfer& t, std::size_t n) {
  const std::size_t need = t.body.size() + n + kParsePadding;
  if (need <= t.body.capacity()) return;
  const std::size_t cap = static_cast<std::size_t>(t.limit);
  if (need <= kGrowStep)
    t.body.reserve(std::min(std::max(need, 2 * t.body.capacity()), kGrowStep) + kParsePadding);
  else
    reserve_page(t.body, std::max(cap, need));
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    // An error status: only its first bytes are quoted, and an adapter reads the server's own
    // error object from at most kErrorBodyBytes (slurmrestd's errors[], a Kubernetes Status), so
    // read no more than that (an endless error body must not cost the whole --max-response-mb,
    // nor hide the status).
    if (t->head.size() < kHeadBytes) t->head.append(data, std::min(n, kHeadBytes - t->head.size()));
    const std::size_t room = kErrorBodyBytes - std::min(t->body.size(), kErrorBodyBytes);
    t->body.append(data, std::min(n, room));
    t->received += static_cast<std::int64_t>(n);
    if (n <= room) return n;
    t->error_body_cut = true;
    return 0; // ends the transfer; get() reports the status
  }
  if (t->received + static_cast<std::int64_t>(n) > t->limit) {
    t->too_large = true;
    return 0; // aborts the transfer with CURLE_WRITE_ERROR
  }
  if (t->received == 0) {
    // Room for the whole body and the parser's padding at once: no regrowth, no copy to pad.
    // A compressed body's Content-Length is the compressed size: JSON inflates about tenfold,
    // so reserve 16 times it (capacity never written costs address space, not memory), and
    // past that, growth takes over. An observed body only ever holds a window of it.
    curl_off_t length = -1;
    if (curl_easy_getinfo(t->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length > 0) {
      std::int64_t want = length;
      if (t->compressed) want = std::min<std::int64_t>(length * 16, t->limit);
      if (want <= t->limit) {
        t->expected = static_cast<std::size_t>(want);
        reserve_page(t->body, t->observer ? std::min(t->expected, kObservedWindow) : t->expected);
      }
    }
  }
  if (t->head.size() < kHeadBytes) t->head.append(data, std::min(n, kHeadBytes - t->head.size()));
  t->received += static_cast<std::int64_t>(n);
  make_room(*t, n);
  t->body.append(data, n);
  if (t->observer) {
    const std::size_t done = t->observer->grew(t->body, t->expected);
    if (done > 0) t->body.erase(0, std::min(done, t->body.size()));
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return (g_interrupted.load() || t->cancel->requested()) ? 1 : 0;
}

bool retry_status(long status) {
  return status == 408 || status == 429 || status == 502 || status == 503 || status == 504;
}

bool retry_code(CURLcode code) {
  switch (code) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE: return true;
  default: return false;
  }
}

// System CAs plus the user's, so --cacert adds to the trust store rather than replacing it.
std::string ca_bundle(const std::string& cacert) {
  constexpr std::uint64_t kLimit = std::uint64_t{64} << 20;
  std::string blob;
  for (const char* path : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"}) {
    LocalRead system = read_local_file(path, kLimit, "64 MiB");
    if (system.bytes) {
      blob = std::move(*system.bytes);
      break;
    }
  }
  LocalRead user = read_local_file(cacert, kLimit, "64 MiB, too large for a CA bundle");
  if (user.missing) throw RuntimeError(fmt::format("cannot read --cacert file \"{}\"", cacert));
  if (!user.bytes) throw RuntimeError(fmt::format("--cacert: {}", user.error));
  if (!blob.empty() && blob.back() != '\n') blob += '\n';
  return blob + *user.bytes;
}

// Sleeps in small steps so Ctrl-C and a sibling's failure cut it short.
void pause_for(std::chrono::milliseconds total, const source::Cancel& cancel) {
  const auto until = std::chrono::steady_clock::now() + total;
  while (std::chrono::steady_clock::now() < until) {
    if (g_interrupted.load()) throw InterruptedError();
    if (cancel.requested()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// libcurl's messages are one line already; make sure of it, so an error stays one line.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// Where libcurl's redirects led, credentials removed; empty when none was followed or it led
// back to `url`.
std::string redirect_target(CURL* h, const std::string& url) {
  long redirects = 0;
  const char* effective = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &redirects) != CURLE_OK || redirects == 0 ||
      curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective) != CURLE_OK || !effective || url == effective)
    return {};
  return display_source(effective);
}

// " (redirected to URL)", so a failure names where it happened.
std::string redirected_note(CURL* h, const std::string& url) {
  const std::string target = redirect_target(h, url);
  return target.empty() ? target : fmt::format(" (redirected to {})", target);
}

// curl_easy_perform through a multi handle, so Ctrl-C and a sibling's failure are noticed within
// 50 ms even while the server sends nothing (the progress callback runs only once a second then).
// `kept`: a Session's multi handle, whose connection cache keeps the connection for the next
// request (a multi handle's connections close with it).
CURLcode perform(CURL* h, const source::Cancel& cancel, CURLM* kept) {
  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> own(kept ? nullptr : curl_multi_init(), &curl_multi_cleanup);
  CURLM* const multi = kept ? kept : own.get();
  if (!multi || curl_multi_add_handle(multi, h) != CURLM_OK) return CURLE_OUT_OF_MEMORY;
  CURLcode result = CURLE_ABORTED_BY_CALLBACK;
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) {
      result = CURLE_OUT_OF_MEMORY;
      break;
    }
    int queued = 0;
    bool done = false;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued))
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
        result = msg->data.result;
        done = true;
      }
    if (done || running == 0) break;
    if (g_interrupted.load() || cancel.requested()) break;
    curl_multi_poll(multi, nullptr, 0, 50, nullptr);
  }
  curl_multi_remove_handle(multi, h);
  return result;
}

// Before each request goes out on a connection: a token bound for plain http is sent only to
// a loopback address, checked on the address actually connected to (the host name was
// checked by its strict parse; this catches a `localhost` that resolves elsewhere).
struct Guard {
  CURL* handle = nullptr;
  std::string host; // the source's host: libcurl sends the Authorization header only there
  std::string refused;
};

std::string lower_host(std::string_view text) {
  const url::Parsed p = url::parse(text);
  std::string host = p.url ? p.url->host : std::string();
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

int on_prereq(void* user, char* conn_primary_ip, char*, int, int) {
  auto* g = static_cast<Guard*>(user);
  const char* effective = nullptr;
  if (curl_easy_getinfo(g->handle, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective &&
      lower_host(effective) != g->host)
    return CURL_PREREQFUNC_OK; // a redirect to another host: the token does not go there
  if (!conn_primary_ip || !url::loopback_address(conn_primary_ip)) {
    g->refused = conn_primary_ip ? conn_primary_ip : "an unknown address";
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

using Easy = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using Headers = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

// Accept, the token and a source's own headers (the Slurm JWT).
Headers request_headers(const SourceOptions& options) {
  Headers headers(nullptr, &curl_slist_free_all);
  auto add_header = [&](const std::string& line) {
    // Every credential was refused at its source when it held a control character (take_credential,
    // fleetcap/secrets.hpp); this is the last guard: no header line ever carries a line break.
    if (has_control(line)) throw RuntimeError("refusing to send a request header that holds a control character");
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (!next) throw RuntimeError("out of memory building request headers");
    headers.release();
    headers.reset(next);
  };
  add_header("Accept: application/json");
  if (options.token) add_header("Authorization: Bearer " + *options.token);
  for (const auto& line : options.headers) add_header(line);
  return headers;
}

// The request: where, with which headers, its limits and redirects, and the callbacks that fill `t`.
void set_request(CURL* h, const std::string& url, const SourceOptions& options, const curl_slist* headers, Transfer& t,
                 char* error_buffer) {
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "fleetcap/" FLEETCAP_VERSION);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); // every encoding libcurl decodes: gzip, deflate
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L); // never send the token to another host
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  // A redirect from https never goes to http: the token would not follow (libcurl drops it on a
  // change of scheme, host or port), but the fleet's data would cross the network in the clear.
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, url.starts_with("https://") ? "https" : "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout * 1000));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout * 1000));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.limit));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  // Larger reads than the 16 KiB default: a 20 MB page arrives in 40 callbacks, not 1,300.
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  if (!options.unix_socket.empty()) curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, options.unix_socket.c_str());
  // Headers of a source's own (the Slurm JWT) are credentials too: libcurl would send them to any
  // host a redirect names, so such requests follow no redirect (slurmrestd sends none).
  if (!options.headers.empty()) curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
}

// TLS: verified always, against the system's CAs plus a kubeconfig's CA and --cacert (`blob`,
// which must live as long as the handle), with a kubeconfig's client certificate and key.
void set_tls(CURL* h, const SourceOptions& options, std::string& blob) {
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.cacert.empty()) blob = ca_bundle(options.cacert);
  if (!options.ca_pem.empty()) blob = options.ca_pem + "\n" + blob; // a kubeconfig's CA (+ --cacert)
  if (!blob.empty()) {
    curl_blob ca{blob.data(), blob.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!options.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(options.client_cert_pem.data()), options.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!options.client_key_pem.empty()) {
    curl_blob key{const_cast<char*>(options.client_key_pem.data()), options.client_key_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (options.insecure_skip_verify) { // kubeconfig insecure-skip-tls-verify; warned about by the caller
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

// Attempt number `attempt`: `t` emptied (the observer told to start again), the request made; a
// cut error body or an error status whose Content-Length is over the cap counts as an answer
// (the status is what matters).
CURLcode attempt_once(CURL* h, CURLM* kept, const source::Cancel& cancel, int attempt, Transfer& t,
                      char* error_buffer) {
  if (attempt > 0 && t.observer) t.observer->restart();
  t.body.clear();
  t.head.clear();
  t.received = 0;
  t.expected = 0;
  t.too_large = false;
  t.error_body_cut = false;
  error_buffer[0] = '\0';
  CURLcode code = perform(h, cancel, kept);
  if (code == CURLE_WRITE_ERROR && t.error_body_cut) code = CURLE_OK;
  if (code == CURLE_FILESIZE_EXCEEDED) {
    long early = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &early);
    if (early < 200 || early > 299) code = CURLE_OK;
  }
  return code;
}

// Why the last attempt failed, as the user reads it: "GET URL: why (redirected ...) (after N retries)".
[[noreturn]] void fail(CURL* h, const std::string& url, const std::string& shown, CURLcode code,
                       const char* error_buffer, const SourceOptions& options, int attempt) {
  std::string why = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
  if (code == CURLE_OPERATION_TIMEDOUT)
    why = fmt::format("no complete response within --timeout {} s ({})", options.timeout, why);
  else if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE)
    why += "; pass --cacert FILE to trust the server's CA";
  else if (code == CURLE_TOO_MANY_REDIRECTS)
    why = "more than 5 redirects (a redirect loop?)";
  std::string note = redirected_note(h, url);
  const std::string target = redirect_target(h, url);
  if (code == CURLE_UNSUPPORTED_PROTOCOL && url.starts_with("https://") && !target.empty()) {
    why = fmt::format("refusing the redirect to {}: an https source is never followed to another scheme", target);
    note.clear();
  }
  throw RuntimeError(fmt::format("GET {}: {}{}{}", shown, one_line(why), note,
                                 attempt ? fmt::format(" (after {} retries)", attempt) : std::string()));
}

Response response_of(CURL* h, const std::string& url, long status, Transfer& t) {
  Response r;
  r.status = status;
  r.redirected = redirected_note(h, url);
  r.body = std::move(t.body);
  r.head = std::move(t.head);
  const char* ct = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) r.content_type = ct;
  return r;
}

// Whether the attempt is worth another: a timeout before the connection was made is a
// connection failure; one after is not retried, so a stalled server costs one --timeout, not four.
bool worth_retrying(CURL* h, CURLcode code, long status) {
  curl_off_t connected_us = 0;
  curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected_us);
  return code == CURLE_OK                   ? retry_status(status)
         : code == CURLE_OPERATION_TIMEDOUT ? connected_us == 0
                                            : retry_code(code);
}

// Exponential backoff with jitter; Retry-After wins when the server gives one.
long backoff_ms(CURL* h, CURLcode code, const SourceOptions& options, int attempt, std::mt19937& rng) {
  const long base = static_cast<long>(options.retry_base_ms) << attempt;
  long wait_ms = base / 2 + static_cast<long>(rng() % static_cast<unsigned long>(base / 2 + 1));
  curl_off_t retry_after = 0;
  if (code == CURLE_OK && curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
    wait_ms = static_cast<long>(std::min<curl_off_t>(retry_after, kRetryAfterCap)) * 1000;
  return wait_ms;
}

} // namespace

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string escape(std::string_view text) { return percent_encoded(text); }

Session::Session() {
  global_init();
  handle_ = curl_easy_init();
  multi_ = curl_multi_init();
  if (!handle_ || !multi_) {
    curl_easy_cleanup(static_cast<CURL*>(handle_));
    curl_multi_cleanup(static_cast<CURLM*>(multi_));
    throw RuntimeError("cannot start libcurl");
  }
}

Session::~Session() {
  curl_easy_cleanup(static_cast<CURL*>(handle_));
  curl_multi_cleanup(static_cast<CURLM*>(multi_)); // closes the kept connection
}

Response get(const std::string& url, const SourceOptions& options, const source::Cancel& cancel, BodyObserver* observer,
             Session* session) {
  global_init();
  const std::string shown = display_source(url); // without user:password@, for logs and errors
  Easy easy(session ? nullptr : curl_easy_init(), &curl_easy_cleanup);
  if (!session && !easy) throw RuntimeError("cannot start libcurl");
  CURL* h = session ? static_cast<CURL*>(session->handle_) : easy.get();
  if (session) curl_easy_reset(h); // every option as new; the connection and TLS session stay
  const Headers headers = request_headers(options);
  Transfer t;
  t.handle = h;
  t.limit = options.max_response_mb * 1024 * 1024;
  t.cancel = &cancel;
  t.observer = observer;
  char error_buffer[CURL_ERROR_SIZE];
  set_request(h, url, options, headers.get(), t, error_buffer);
  Guard guard;
  guard.handle = h;
  guard.host = lower_host(url);
  if ((options.token || !options.headers.empty()) && !options.allow_insecure_token && !url.starts_with("https://") &&
      options.unix_socket.empty()) {
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, &guard);
  }
  std::string blob;
  set_tls(h, options, blob);

  std::optional<std::mt19937> rng; // seeded at the first retry: std::random_device costs
  for (int attempt = 0;; ++attempt) {
    const auto started = std::chrono::steady_clock::now();
    const CURLcode code =
        attempt_once(h, session ? static_cast<CURLM*>(session->multi_) : nullptr, cancel, attempt, t, error_buffer);
    if (!guard.refused.empty())
      throw RuntimeError(
          fmt::format("refusing to send the token over plain http to {}: it connected to {}, which is not "
                      "a loopback address; use https, or pass --allow-insecure-token",
                      shown, guard.refused));
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (g_interrupted.load()) throw InterruptedError();
    if (cancel.requested()) throw source::Cancelled();

    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (options.log)
      options.log(
          code == CURLE_OK
              ? fmt::format("GET {} -> {} ({} bytes, {} ms{})", shown, status, t.received, ms, redirected_note(h, url))
              : fmt::format("GET {} -> {} ({} ms{})", shown, curl_easy_strerror(code), ms, redirected_note(h, url)));
    if (t.too_large || code == CURLE_FILESIZE_EXCEEDED)
      throw RuntimeError(
          fmt::format("GET {}: response is larger than --max-response-mb {} MiB", shown, options.max_response_mb));
    if (!worth_retrying(h, code, status) || attempt == kMaxRetries) {
      if (code != CURLE_OK) fail(h, url, shown, code, error_buffer, options, attempt);
      return response_of(h, url, status, t);
    }
    if (!rng) rng.emplace(std::random_device{}());
    const long wait_ms = backoff_ms(h, code, options, attempt, *rng);
    if (options.log)
      options.log(fmt::format("retrying GET {} in {} ms ({} of {})", shown, wait_ms, attempt + 1, kMaxRetries));
    pause_for(std::chrono::milliseconds(wait_ms), cancel);
  }
}

} // namespace http
} // namespace fleetcap
