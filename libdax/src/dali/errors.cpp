#include <dax/dali/errors.hpp>
#include <dax/votable/writer.hpp>

namespace dax::dali {

int http_status(error_kind kind) {
    switch (kind) {
    case error_kind::usage: return 400;
    case error_kind::not_found: return 404;
    case error_kind::unauthenticated: return 401;
    case error_kind::forbidden: return 403;
    case error_kind::overloaded: return 503;
    case error_kind::quota: return 429;
    case error_kind::unsupported: return 400;
    case error_kind::internal: return 500;
    }
    return 500;
}

std::string_view fault_name(error_kind kind) {
    switch (kind) {
    case error_kind::usage: return "UsageFault";
    case error_kind::not_found: return "NotFoundFault";
    case error_kind::unauthenticated: return "AuthenticationFault";
    case error_kind::forbidden: return "AuthorizationFault";
    case error_kind::overloaded: return "TransientFault";
    case error_kind::quota: return "TransientFault";
    case error_kind::unsupported: return "NotSupported";
    case error_kind::internal: return "FatalFault";
    }
    return "DefaultFault";
}

std::string error_document(std::string_view message) {
    votable::string_sink s;
    votable::write_error_document(s, message);
    return std::move(s.out);
}

std::string error_document(const error& e) { return error_document(std::string_view(e.what())); }

}  // namespace dax::dali
