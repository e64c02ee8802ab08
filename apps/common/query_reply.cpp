#include "query_reply.hpp"

#include "stream_reply.hpp"

namespace dax::http {

std::shared_ptr<in_flight> admit(const httplib::Request& req, httplib::Response& res, std::atomic<std::size_t>& running,
                                 std::size_t limit, const identity_function& identity) {
    if (identity && !identity(req)) {
        reply_error(res, error(error_kind::unauthenticated, "authentication required"));
        return nullptr;
    }
    // The limit comes before any work on the query (parsing, uploads) is done.
    auto slot = std::make_shared<in_flight>(running, limit);
    if (slot->ok()) return slot;
    reply_error(res, error(error_kind::overloaded, "too many queries in flight; retry shortly").with_retry_after(std::chrono::seconds(1)));
    return nullptr;
}

void stream_query(const tap::service& svc, httplib::Response& res, tap::prepared_query q, std::shared_ptr<in_flight> slot,
                  const std::string& mime) {
    auto shared = std::make_shared<tap::prepared_query>(std::move(q));
    const auto deadline = std::chrono::steady_clock::now() + svc.lim().sync_timeout;
    stream_reply(res, mime, deadline, [&svc, shared, slot, deadline](dax::sink& out) {
        tap::run_limits l;
        l.deadline = deadline;
        svc.run(*shared, out, l);
    });
}

}  // namespace dax::http
