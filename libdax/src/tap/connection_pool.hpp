#pragma once
// What the server backends (PostgreSQL, MySQL/MariaDB) share: a pool of idle connections, a
// lease that gives a connection back (or drops it when a query left it in an unknown state),
// and the messages of a stopped query.
#include <dax/tap/backend.hpp>

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace dax::tap {

/// Idle connections kept for the next query, at most `max`. `open` connects (throws dax::error),
/// `close` disconnects, `alive` tells whether an idle connection can still be used.
template <class Conn>
class connection_pool {
public:
    struct hooks {
        std::function<Conn*()> open;
        std::function<void(Conn*)> close;
        std::function<bool(Conn*)> alive = [](Conn*) { return true; };
    };
    connection_pool(hooks h, std::size_t max) : h_(std::move(h)), max_(max) {}
    ~connection_pool() {
        for (auto* c : idle_) h_.close(c);
    }
    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    Conn* acquire() {
        for (;;) {
            Conn* c = nullptr;
            {
                std::lock_guard lock(m_);
                if (idle_.empty()) break;
                c = idle_.back();
                idle_.pop_back();
            }
            if (h_.alive(c)) return c;
            h_.close(c);
        }
        return h_.open();
    }
    void release(Conn* c) {
        {
            std::lock_guard lock(m_);
            if (idle_.size() < max_) {
                idle_.push_back(c);
                return;
            }
        }
        h_.close(c);
    }
    void discard(Conn* c) { h_.close(c); }

    /// A connection for one query: on destruction `reset` runs and the connection goes back to
    /// the pool, unless it was marked unhealthy (then it is closed).
    class lease {
    public:
        lease(connection_pool& p, std::function<void(Conn*)> reset) : p_(p), c_(p.acquire()), reset_(std::move(reset)) {}
        ~lease() {
            if (!healthy) {
                p_.discard(c_);
                return;
            }
            if (reset_) reset_(c_);
            p_.release(c_);
        }
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        Conn* get() const { return c_; }
        bool healthy = true;

    private:
        connection_pool& p_;
        Conn* c_;
        std::function<void(Conn*)> reset_;
    };

private:
    hooks h_;
    std::size_t max_;
    std::mutex m_;
    std::vector<Conn*> idle_;
};

/// The message of a query stopped by its caller or by its time limit.
inline std::string stopped_message(const run_limits& limits) {
    return limits.cancelled && limits.cancelled->load() ? "query aborted" : "query exceeded its execution time limit";
}

}  // namespace dax::tap
