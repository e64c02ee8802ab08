#include <dax/net/url_fetch.hpp>
#include <dax/tap/query_task.hpp>

#include <fmt/format.h>

#include <atomic>
#include <memory>

namespace dax::tap {

result<std::string> fetch_upload(std::string_view uri, const std::function<std::optional<std::string>(std::string_view)>& part,
                                 const limits& lim) {
    const std::size_t max_bytes = lim.max_upload_bytes;
    if (uri.rfind("param:", 0) == 0) {
        auto c = part(uri.substr(6));
        if (!c) return error(fmt::format("the request has no part named '{}'", uri.substr(6)));
        return std::move(*c);
    }
    if (uri.rfind("http://", 0) != 0 && uri.rfind("https://", 0) != 0)
        return error(fmt::format("'{}' is neither param:NAME (an inline part) nor an http:// URL", uri.substr(0, 200)));
    if (!lim.upload_urls) return error("uploads by URL are turned off on this service: send the table inline (param:NAME)");
    net::fetch_policy p;
    p.max_bytes = max_bytes;
    p.deadline = lim.upload_url_timeout;
    p.allow = lim.upload_url_allow;
    return net::fetch_url(uri, p);
}

uws::task_definition query_task(const service& svc) {
    return {[&svc](uws::task_context& c) {
                const uws::job& j = c.current();
                auto part = [&j, &c](std::string_view name) {
                    if (auto in = c.input(name)) return in;  // an uploaded file, kept by the engine
                    return j.parameter(name);
                };
                auto q = svc.prepare(j.parameters, [&](std::string_view uri) {
                    return fetch_upload(uri, part, svc.lim());
                });
                if (!q) throw std::runtime_error(q.err().what());
                auto cancelled = std::make_shared<std::atomic<bool>>(false);
                c.on_cancel([cancelled] { *cancelled = true; });
                auto out = c.create_result("result");
                run_limits l;
                l.cancelled = cancelled.get();
                l.progress = [&c](std::uint64_t rows) { c.progress("rows", std::to_string(rows)); };
                const auto rows = svc.run(*q, *out, l);
                c.progress("rows", std::to_string(rows));
                c.add_result({"result", "", q->format->mime, out->commit()});
            },
            true};  // read-only: a job whose instance died (or was drained) runs again elsewhere
}

}  // namespace dax::tap
