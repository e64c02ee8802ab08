#pragma once
// Threads taking tasks from one queue: started when no thread is free (up to max_threads,
// beyond which tasks wait), kept for the next task. Used for the HTTP workers and for the
// threads that run sync queries.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dax::http {

class thread_pool {
public:
    explicit thread_pool(std::size_t max_threads) : max_(max_threads ? max_threads : 1) {}
    thread_pool(const thread_pool&) = delete;
    ~thread_pool() { join(); }
    /// Runs the tasks queued (also those the tasks queue meanwhile), then joins the threads.
    /// The pool stays usable as an object: a task still running may call run().
    void join() {
        {
            std::lock_guard g(m_);
            if (stopping_) return;
            stopping_ = true;
        }
        cv_.notify_all();
        for (std::size_t i = 0;; ++i) {  // no thread is added once stopping_ is set
            std::thread* t = nullptr;
            {
                std::lock_guard g(m_);
                if (i >= threads_.size()) break;
                t = &threads_[i];
            }
            t->join();
        }
    }
    void run(std::function<void()> task) {
        std::lock_guard g(m_);
        tasks_.push_back(std::move(task));
        // Stopping: the running threads take it (they leave only with nothing queued).
        if (!stopping_ && tasks_.size() > idle_ && threads_.size() < max_) threads_.emplace_back([this] { loop(); });
        else cv_.notify_one();
    }

private:
    void loop() {
        std::unique_lock lk(m_);
        for (;;) {
            ++idle_;
            cv_.wait(lk, [&] { return stopping_ || !tasks_.empty(); });
            --idle_;
            if (tasks_.empty()) return;  // stopping, nothing left
            auto f = std::move(tasks_.front());
            tasks_.pop_front();
            lk.unlock();
            f();
            f = nullptr;  // what the task held (e.g. an in-flight slot) goes before the next wait
            lk.lock();
        }
    }
    const std::size_t max_;
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    std::vector<std::thread> threads_;
    std::size_t idle_ = 0;
    bool stopping_ = false;
};

}  // namespace dax::http
