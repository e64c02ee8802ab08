#pragma once
// Signed, expiring URLs (issue 12 section 4): HMAC-SHA256 over the path and the expiry time with
// the site's key, so that the server that serves a file checks a URL without a database lookup.
// Every libdax server of a site shares the key (settings signing_key, else DATA_DIR/signing.key).
#include <cstdint>
#include <optional>
#include <string>

namespace dax::http {

class url_signer {
public:
    explicit url_signer(std::string key) : key_(std::move(key)) {}
    /// "expires=E&signature=HEX" for `path` (e.g. "/files/ivo%3A..."), valid until E (Unix seconds).
    std::string query(const std::string& path, std::int64_t expires) const;
    /// Nothing when `signature` is this key's for `path` and `expires` is after `now`; else the
    /// reason, for a 403 ("the link has expired", "the link was altered", ...).
    std::optional<std::string> check(const std::string& path, const std::string& expires, const std::string& signature,
                                     std::int64_t now) const;

private:
    std::string key_;
};

/// The site's signing key: `configured` when given, else DATA_DIR/signing.key, created (32
/// random bytes, hex, mode 0600) on first use. Throws dax::error when it cannot be read or made.
std::string signing_key(const std::string& configured, const std::string& data_dir);

}  // namespace dax::http
