// A lazily started coroutine returning T. The conductor writes each statement's protocol (topology
// look-up, fan-out, retries, multi-phase DDL) as straight-line code that co_awaits I/O; the session
// turns each await into a batch of requests for the host and resumes when the host feeds the
// responses back. No threads, no blocking, no I/O in the core.
//
// Never put co_await inside a conditional expression (`c ? co_await a : co_await b`): GCC 12
// miscompiles it (the frame is corrupted: malloc aborts later, far from the cause). Use if/else.
#pragma once
#include <coroutine>
#include <cstdlib>
#include <optional>
#include <utility>

namespace bd {

template <class T>
class Task {
 public:
  struct promise_type {
    std::optional<T> value;
    std::coroutine_handle<> continuation;
    Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        auto c = h.promise().continuation;
        return c ? c : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    template <class U>
    void return_value(U&& v) {
      value.emplace(std::forward<U>(v));
    }
    void unhandled_exception() { std::abort(); }
  };

  Task() = default;
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  // Awaiting a task starts it and resumes the awaiter when it finishes (symmetric transfer).
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
    h_.promise().continuation = awaiter;
    return h_;
  }
  T await_resume() { return std::move(*h_.promise().value); }

  // For the session, which drives the outermost task by hand.
  std::coroutine_handle<promise_type> handle() const { return h_; }
  bool done() const { return h_ && h_.done(); }
  T take() { return std::move(*h_.promise().value); }

 private:
  std::coroutine_handle<promise_type> h_;
};

}  // namespace bd
