#pragma once
// Who is asking, and may they: every service's authentication in one place. Modes: none
// (everyone is anonymous), header (a trusted proxy names the user, as Rubin's ingress sets
// X-Auth-Request-User), token (bearer tokens checked against a file of hashes, with scopes).
// Routes are protected per path prefix with a scope (read:tap, read:image, ...); discovery
// (VOSI, landing pages) stays open.
#include "http_server.hpp"
#include "token_auth.hpp"

#include <dax/error.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dax::http {

/// Who is asking: the owner id ("" for anonymous), or nullopt to refuse with 401.
using identity_function = std::function<std::optional<std::string>(const httplib::Request&)>;

struct auth_settings {
    enum class mode_t { none, header, token } mode = mode_t::none;
    std::string header = "X-Auth-Request-User";
    std::string token_file;  ///< token mode: lines "sha256-hex user scope[,scope]"
};

/// A path prefix and the scope a token needs for it; the first route whose prefix matches
/// decides, and an empty scope leaves it open (e.g. signed downloads under a protected prefix).
struct protected_route {
    std::string prefix;
    std::string scope;
};

class access {
public:
    /// Loads the token file in token mode.
    static result<access> open(const auth_settings& settings);
    /// The identity of requests to routes needing `scope`; empty in mode none (anonymous).
    identity_function identity(const std::string& scope) const;
    /// In token mode, requests under each prefix need a token with its scope: 401 without a
    /// valid token, 403 when it lacks the scope (a DALI error document either way). Call it
    /// once per server, with every protected route (it takes the server's before_routing).
    void protect(server& s, std::vector<protected_route> routes) const;

private:
    auth_settings settings_;
    std::shared_ptr<const token_file> tokens_;
};

/// The identity set by a trusted proxy in `header`; refused (nullopt) when absent or repeated
/// (a proxy that appends rather than replaces would let a client choose the first value).
std::optional<std::string> trusted_header_identity(const httplib::Request& req, const std::string& header);

}  // namespace dax::http
