// Memory for an object that holds keys: its own pages, left out of core dumps
// (MADV_DONTDUMP), kept out of swap where the limits allow (mlock, best effort), and scrubbed
// before they are given back. The serving process keeps the decoder, and with it the keys,
// in one such box, so even a core dump allowed with --debug.allow-core-dumps does not hold
// the copy the exporter works with.
#pragma once

#include <cstddef>
#include <new>
#include <span>
#include <utility>

namespace sm::crypto {

// Whole pages for `bytes` bytes: anonymous, MADV_DONTDUMP, mlocked where allowed. Throws
// std::bad_alloc when none are left. release_secret_pages() scrubs and unmaps them (`bytes`
// as given to allocate). A class holding key material can use the two as its operator
// new/delete (Aes128Gcm's state does).
[[nodiscard]] void* allocate_secret_pages(std::size_t bytes);
void release_secret_pages(void* pages, std::size_t bytes) noexcept;

// Whole pages of anonymous memory, MADV_DONTDUMP, scrubbed and unmapped on destruction.
class SecretPages {
 public:
  explicit SecretPages(std::size_t bytes);
  ~SecretPages();
  SecretPages(const SecretPages&) = delete;
  SecretPages& operator=(const SecretPages&) = delete;

  [[nodiscard]] void* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// One T constructed in SecretPages; destroyed, then its memory scrubbed.
template <class T>
class SecretBox {
 public:
  template <class... Args>
  explicit SecretBox(Args&&... args) : pages_(sizeof(T)) {
    object_ = ::new (pages_.data()) T(std::forward<Args>(args)...);
  }
  ~SecretBox() { object_->~T(); }
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  T& operator*() noexcept { return *object_; }
  T* operator->() noexcept { return object_; }
  [[nodiscard]] const SecretPages& pages() const noexcept { return pages_; }

 private:
  SecretPages pages_;
  T* object_ = nullptr;
};

}  // namespace sm::crypto
