#include "stream_reply.hpp"
#include "replies.hpp"
#include "thread_pool.hpp"

#include <dax/error.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

namespace dax::http {
namespace {

// Carries a sync result from the thread running the query to the HTTP response, in chunks of
// up to 256 KiB, at most 1 MiB ahead of the client. The response starts only when the query has
// produced its first output (or ended): an error before the first row still gets its DALI error
// document and HTTP status. A client that leaves closes the pipe, which stops the query.
class result_pipe final : public sink {
public:
    explicit result_pipe(std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {}
    // Producer side (the query thread).
    void write(const char* data, std::size_t size) override {
        if (!announced_) {  // the first output: the response can start (flush() sees a closed pipe)
            {
                std::lock_guard g(m_);
                if (closed_) throw error("client disconnected");
                started_ = true;
            }
            cv_.notify_all();
            announced_ = true;
        }
        cur_.append(data, size);
        if (cur_.size() >= chunk) flush();
    }
    void flush() override {
        if (cur_.empty()) return;
        std::unique_lock lk(m_);
        // The query's time limit holds also when the client reads slowly: the query (its thread,
        // its database connection, its in-flight slot) is not kept waiting past it.
        if (!cv_.wait_until(lk, deadline_, [&] { return closed_ || queued_ < ahead; })) {
            cut_ = true;
            throw error("the sync time limit was reached while the client was still reading the result");
        }
        if (closed_) throw error("client disconnected");
        queued_ += cur_.size();
        chunks_.push_back(std::move(cur_));
        cur_.clear();
        cv_.notify_all();
    }
    void finish(std::optional<error> failure, bool cut_on_late_error) {
        try {
            if (!failure || !cut_on_late_error) flush();
        } catch (const std::exception&) {
        }
        std::lock_guard g(m_);
        if (failure && started_ && cut_on_late_error) cut_ = true;
        done_ = true;
        failure_ = std::move(failure);
        cv_.notify_all();
    }
    // Consumer side (the HTTP worker).
    /// Waits for the first output or the end; the error if the query failed before any output.
    std::optional<error> wait_start() {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return started_ || done_; });
        if (!started_ && failure_) return failure_;
        return std::nullopt;
    }
    /// The next chunk; false at the end.
    bool next(std::string& out) {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return !chunks_.empty() || done_; });
        if (chunks_.empty()) return false;
        out = std::move(chunks_.front());
        chunks_.pop_front();
        queued_ -= out.size();
        cv_.notify_all();
        return true;
    }
    void close() {
        std::lock_guard g(m_);
        closed_ = true;
        cv_.notify_all();
    }
    /// True when the result could not be completed in the stream (its end is missing): the
    /// response must then end without its last chunk, so the client sees it incomplete.
    bool cut() {
        std::lock_guard g(m_);
        return cut_;
    }

private:
    static constexpr std::size_t chunk = 256 << 10, ahead = 1 << 20;
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::string> chunks_;
    std::string cur_;  ///< producer only
    bool announced_ = false;  ///< producer only
    std::size_t queued_ = 0;
    bool started_ = false, done_ = false, closed_ = false, cut_ = false;
    std::optional<error> failure_;
    std::chrono::steady_clock::time_point deadline_;
};

// Threads that run streamed work, kept for the next request (creating one costs more than a
// small query); as many as run at once, which the callers bound (e.g. queries_in_flight).
thread_pool& work_threads() {
    static auto* t = new thread_pool(SIZE_MAX);  // lives as long as the process, like its threads
    return *t;
}

}  // namespace

void stream_reply(httplib::Response& res, const std::string& mime, std::chrono::steady_clock::time_point deadline,
                  std::function<void(dax::sink&)> produce, bool cut_on_late_error) {
    auto pipe = std::make_shared<result_pipe>(deadline);
    work_threads().run([pipe, produce = std::move(produce), cut_on_late_error] {
        try {
            produce(*pipe);
            pipe->finish(std::nullopt, cut_on_late_error);
        } catch (const error& e) {
            // After output began, the writer has closed the document (DALI 1.1 section 4.4.3
            // QUERY_STATUS=ERROR) or the response is cut; before, the error becomes the response.
            pipe->finish(e, cut_on_late_error);
        } catch (const std::exception& e) {
            pipe->finish(error(error_kind::internal, e.what()), cut_on_late_error);
        }
    });
    if (auto failure = pipe->wait_start()) return reply_error(res, *failure);
    res.set_chunked_content_provider(
        mime,
        [pipe](std::size_t, httplib::DataSink& sink) {
            std::string c;
            while (pipe->next(c))
                if (!sink.write(c.data(), c.size())) return pipe->close(), false;
            if (pipe->cut()) return false;
            sink.done();
            return true;
        },
        [pipe](bool) { pipe->close(); });
}

}  // namespace dax::http
