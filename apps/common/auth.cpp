#include "auth.hpp"
#include "replies.hpp"

#include <fmt/format.h>

namespace dax::http {

result<access> access::open(const auth_settings& settings) {
    access a;
    a.settings_ = settings;
    if (settings.mode == auth_settings::mode_t::token) {
        auto t = token_file::load(settings.token_file);
        if (!t) return t.err();
        a.tokens_ = std::make_shared<const token_file>(std::move(*t));
    }
    return a;
}

identity_function access::identity(const std::string& scope) const {
    switch (settings_.mode) {
    case auth_settings::mode_t::header:
        return [h = settings_.header](const httplib::Request& req) { return trusted_header_identity(req, h); };
    case auth_settings::mode_t::token:
        return [tokens = tokens_, scope](const httplib::Request& req) -> std::optional<std::string> {
            std::string user;
            if (tokens->check(req.get_header_value("Authorization"), scope, user) != token_file::verdict::ok) return std::nullopt;
            return user;
        };
    case auth_settings::mode_t::none: break;
    }
    return {};
}

void access::protect(server& s, std::vector<protected_route> routes) const {
    if (!tokens_) return;
    s.before_routing([tokens = tokens_, routes = std::move(routes)](const httplib::Request& req, httplib::Response& res) {
        for (const auto& r : routes) {
            if (req.path.rfind(r.prefix, 0) != 0) continue;
            if (r.scope.empty()) return httplib::Server::HandlerResponse::Unhandled;  // open (the first matching route decides)
            std::string user;
            switch (tokens->check(req.get_header_value("Authorization"), r.scope, user)) {
            case token_file::verdict::ok: return httplib::Server::HandlerResponse::Unhandled;
            case token_file::verdict::missing_scope:
                reply_error(res, error(error_kind::forbidden, fmt::format("the token does not grant the scope {}", r.scope)));
                return httplib::Server::HandlerResponse::Handled;
            default:
                reply_error(res, error(error_kind::unauthenticated, fmt::format("a bearer token with scope {} is required", r.scope)));
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
}

std::optional<std::string> trusted_header_identity(const httplib::Request& req, const std::string& header) {
    if (req.get_header_value_count(header.c_str()) != 1) return std::nullopt;
    auto v = req.get_header_value(header.c_str());
    if (v.empty()) return std::nullopt;
    return v;
}

}  // namespace dax::http
