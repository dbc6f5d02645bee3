#include "crypto/secret_box.h"

#include <sys/mman.h>
#include <unistd.h>

#include "crypto/secret.h"

namespace sm::crypto {

SecretPages::SecretPages(std::size_t bytes) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  size_ = (bytes + page - 1) / page * page;
  if (size_ == 0) size_ = page;
  void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = p;
  dontdump_ = ::madvise(data_, size_, MADV_DONTDUMP) == 0;
  locked_ = ::mlock(data_, size_) == 0;  // RLIMIT_MEMLOCK may refuse; dumps matter more
}

SecretPages::~SecretPages() {
  scrub(std::span(static_cast<std::uint8_t*>(data_), size_));
  if (locked_) ::munlock(data_, size_);
  ::munmap(data_, size_);
}

}  // namespace sm::crypto
