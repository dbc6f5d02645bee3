// WrongKeyAlarm: when the exporter says "key looks wrong" in its log, once.
//
// Before any frame has decrypted with the configured key, the first frame that does not
// decrypt or authenticate says it: a wrong key at set-up is the common case, and the user
// should hear at once. After frames have decrypted, one failing frame is a corrupted frame
// (a flipped bit fails the GCM tag), not a wrong key; only `consecutive` failures in a row,
// with no good frame between, say it (meter replaced, key rotated). It is said once; a
// frame that decrypts again re-arms it.
#pragma once

namespace sm::pipeline {

class WrongKeyAlarm {
 public:
  explicit WrongKeyAlarm(int consecutive = 3) : consecutive_(consecutive) {}

  // A frame failed to decrypt or authenticate. Returns true when "key looks wrong" is due.
  bool on_key_failure() {
    ++failures_;
    if (said_) return false;
    if (key_proven_ && failures_ < consecutive_) return false;
    said_ = true;
    return true;
  }

  // A frame decrypted (and, if tagged and an authentication key is set, verified) with the
  // configured key.
  void on_decrypted_frame() {
    key_proven_ = true;
    failures_ = 0;
    said_ = false;
  }

 private:
  int consecutive_;
  int failures_ = 0;
  bool key_proven_ = false;
  bool said_ = false;
};

}  // namespace sm::pipeline
