#include "token_auth.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>

namespace dax::http {

std::string sha256_hex(const std::string& text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr);
    std::string hex;
    for (unsigned int i = 0; i < n; ++i) hex += fmt::format("{:02x}", md[i]);
    return hex;
}

result<token_file> token_file::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) return error(fmt::format("cannot read the token file '{}'", path));
    token_file t;
    std::string line;
    for (int no = 1; std::getline(in, line); ++no) {
        std::istringstream ls(line);
        std::string hash, user, scopes;
        if (!(ls >> hash) || hash[0] == '#') continue;
        if (!(ls >> user >> scopes) || hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string::npos)
            return error(fmt::format("{}:{}: expected 'SHA256-HEX USER SCOPE[,SCOPE...]'", path, no));
        entry e{user, {}};
        std::istringstream ss(scopes);
        for (std::string s; std::getline(ss, s, ',');)
            if (!s.empty()) e.scopes.insert(s);
        t.by_hash_[hash] = std::move(e);
    }
    return t;
}

token_file::verdict token_file::check(const std::string& authorization, const std::string& scope, std::string& user) const {
    const std::string prefix = "Bearer ";
    if (authorization.size() <= prefix.size() || authorization.compare(0, prefix.size(), prefix) != 0) return verdict::unknown;
    auto it = by_hash_.find(sha256_hex(authorization.substr(prefix.size())));
    if (it == by_hash_.end()) return verdict::unknown;
    if (!it->second.scopes.count(scope)) return verdict::missing_scope;
    user = it->second.user;
    return verdict::ok;
}

}  // namespace dax::http
