#pragma once
// Bearer tokens checked against a file of SHA-256 hashes (tokens themselves are never stored):
//   # sha256(token) in hex      user    scopes
//   9f86d081884c7d65...         alice   read:tap
// Make a line with:  printf %s "$TOKEN" | sha256sum
#include <dax/error.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>

namespace dax::http {

class token_file {
public:
    static result<token_file> load(const std::string& path);
    enum class verdict { ok, unknown, missing_scope };
    /// Checks an Authorization header value ("Bearer TOKEN"); on ok, `user` is set.
    verdict check(const std::string& authorization, const std::string& scope, std::string& user) const;

private:
    struct entry {
        std::string user;
        std::set<std::string> scopes;
    };
    std::map<std::string, entry> by_hash_;
};

/// Lower-case hex SHA-256 of `text`.
std::string sha256_hex(const std::string& text);

}  // namespace dax::http
