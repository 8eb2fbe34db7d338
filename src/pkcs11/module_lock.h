// The lock every C_* call holds: our own mutex (OS locking), or the
// application's mutex callbacks when it gave them without CKF_OS_LOCKING_OK.
#pragma once

#include <p11-kit/pkcs11.h>

#include <mutex>

namespace jpki::pkcs11 {

class ModuleLock {
 public:
  // Serialises C_Initialize and C_Finalize against each other.
  class InitGuard {
   public:
    InitGuard() : lock_(init_mutex()) {}
    static std::mutex& init_mutex() {
      static std::mutex m;
      return m;
    }

   private:
    std::lock_guard<std::mutex> lock_;
  };

  class Guard {
   public:
    explicit Guard(ModuleLock& l) : l_(l) { l_.lock(); }
    ~Guard() { l_.unlock(); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    ModuleLock& l_;
  };

  // The reverse of Guard, inside one: the lock is let go for a wait on a person.
  class Released {
   public:
    explicit Released(ModuleLock& l) : l_(l) { l_.unlock(); }
    ~Released() { l_.lock(); }
    Released(const Released&) = delete;
    Released& operator=(const Released&) = delete;

   private:
    ModuleLock& l_;
  };

  // Called under InitGuard from C_Initialize.
  CK_RV configure(const CK_C_INITIALIZE_ARGS* args) {
    if (app_mutex_ != nullptr && destroy_ != nullptr) {
      destroy_(app_mutex_);
    }
    app_mutex_ = nullptr;
    create_ = nullptr;
    destroy_ = nullptr;
    lock_ = nullptr;
    unlock_ = nullptr;
    if (args == nullptr || args->CreateMutex == nullptr || (args->flags & CKF_OS_LOCKING_OK) != 0) {
      return CKR_OK;
    }
    create_ = args->CreateMutex;
    destroy_ = args->DestroyMutex;
    lock_ = args->LockMutex;
    unlock_ = args->UnlockMutex;
    if (create_(&app_mutex_) != CKR_OK) {
      return CKR_CANT_LOCK;
    }
    return CKR_OK;
  }

  void lock() {
    if (app_mutex_ != nullptr) {
      lock_(app_mutex_);
    } else {
      os_.lock();
    }
  }
  void unlock() {
    if (app_mutex_ != nullptr) {
      unlock_(app_mutex_);
    } else {
      os_.unlock();
    }
  }

 private:
  std::mutex os_;
  void* app_mutex_ = nullptr;
  CK_CREATEMUTEX create_ = nullptr;
  CK_DESTROYMUTEX destroy_ = nullptr;
  CK_LOCKMUTEX lock_ = nullptr;
  CK_UNLOCKMUTEX unlock_ = nullptr;
};

}  // namespace jpki::pkcs11
