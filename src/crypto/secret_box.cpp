#include "crypto/secret_box.h"

#include <sys/mman.h>
#include <unistd.h>

#include "crypto/secret.h"

namespace sm::crypto {
namespace {

std::size_t whole_pages(std::size_t bytes) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return bytes == 0 ? page : (bytes + page - 1) / page * page;
}

}  // namespace

void* allocate_secret_pages(std::size_t bytes) {
  const std::size_t size = whole_pages(bytes);
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  (void)::madvise(p, size, MADV_DONTDUMP);  // kernels before 3.4 lack it
  (void)::mlock(p, size);                   // RLIMIT_MEMLOCK may refuse; dumps matter more
  return p;
}

void release_secret_pages(void* pages, std::size_t bytes) noexcept {
  if (pages == nullptr) return;
  const std::size_t size = whole_pages(bytes);
  scrub(std::span(static_cast<std::uint8_t*>(pages), size));
  (void)::munlock(pages, size);
  ::munmap(pages, size);
}

SecretPages::SecretPages(std::size_t bytes)
    : data_(allocate_secret_pages(bytes)), size_(whole_pages(bytes)) {}

SecretPages::~SecretPages() {
  release_secret_pages(data_, size_);
}

}  // namespace sm::crypto
