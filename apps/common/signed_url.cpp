#include "signed_url.hpp"

#include <dax/error.hpp>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace dax::http {

namespace {

std::string hmac_hex(const std::string& key, const std::string& text) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &n);
    std::string hex;
    for (unsigned i = 0; i < n; ++i) hex += fmt::format("{:02x}", mac[i]);
    return hex;
}

// Path and expiry are joined by a byte no URL path holds: no two pairs sign the same text.
std::string signed_text(const std::string& path, const std::string& expires) { return path + '\n' + expires; }

}  // namespace

std::string url_signer::query(const std::string& path, std::int64_t expires) const {
    const std::string e = std::to_string(expires);
    return "expires=" + e + "&signature=" + hmac_hex(key_, signed_text(path, e));
}

std::optional<std::string> url_signer::check(const std::string& path, const std::string& expires, const std::string& signature,
                                             std::int64_t now) const {
    if (expires.empty() || signature.empty()) return "the link is not signed (expires and signature are required): ask the links service for a new one";
    std::int64_t e = 0;
    auto [p, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), e);
    if (ec != std::errc() || p != expires.data() + expires.size()) return "the link's expiry time is not a number: the link was altered";
    const std::string want = hmac_hex(key_, signed_text(path, expires));
    // Constant time: the comparison must not tell how much of a forged signature is right.
    if (signature.size() != want.size() || CRYPTO_memcmp(signature.data(), want.data(), want.size()) != 0)
        return "the link's signature does not match: the link was altered or signed by another site";
    if (e <= now) return fmt::format("the link expired {} seconds ago: ask the links service for a new one", now - e);
    return std::nullopt;
}

std::string signing_key(const std::string& configured, const std::string& data_dir) {
    if (!configured.empty()) return configured;
    const std::string path = data_dir + "/signing.key";
    std::string key;
    if (std::ifstream in(path); in && std::getline(in, key) && key.size() >= 32) return key;
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) throw error("cannot make a signing key: no randomness");
    key.clear();
    for (unsigned char c : raw) key += fmt::format("{:02x}", c);
    // O_EXCL: two servers starting at once on a new directory agree on the first one's key.
    const std::string tmp = path + ".new." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw error(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
    const std::string line = key + "\n";
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!ok || ::link(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        if (std::ifstream in(path); in && std::getline(in, key) && key.size() >= 32) return key;  // another server made it first
        throw error(fmt::format("cannot create {}", path));
    }
    ::unlink(tmp.c_str());
    return key;
}

}  // namespace dax::http
