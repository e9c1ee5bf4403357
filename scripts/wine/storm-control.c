/* The fork-storm leftovers under Wine, reproduced without any of this
 * repository's code (docs/reference/flakes.md, "fork-storm under Wine"). Plain Win32:
 *   storm-control child              lives 20-50 ms, exits
 *   storm-control spawner            keeps up to 16 `child` processes alive
 *   storm-control killer MODE N MS   N times: start a `spawner`, let it run
 *       about MS ms, then end it:
 *         proc    TerminateProcess of the spawner only (a root-only kill,
 *                 what execa does on Windows)
 *         jobcon  the spawner in a KILL_ON_JOB_CLOSE job with its own
 *                 windowless console (CREATE_NO_WINDOW), TerminateJobObject
 *                 repeated every 50 ms until the job counts no process, then
 *                 the job closed (what pawwork-supervisor does)
 *   storm-control census             every other storm-control process the
 *       wineserver knows, with the suspend count of each thread (probed by
 *       SuspendThread + ResumeThread, so nothing is left changed)
 * The host's process list is compared with the census by
 * scripts/wine/storm-control.sh. */
#include <windows.h>
#include <tlhelp32.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static wchar_t self[MAX_PATH];

static HANDLE start(const wchar_t *arg, DWORD flags) {
  wchar_t cmd[2 * MAX_PATH + 16];
  swprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" %ls", self, arg);
  STARTUPINFOW si = { sizeof si };
  PROCESS_INFORMATION pi;
  if (!CreateProcessW(self, cmd, NULL, NULL, FALSE, flags, NULL, NULL, &si, &pi)) {
    fprintf(stderr, "CreateProcess %ls: error %lu\n", arg, GetLastError());
    return NULL;
  }
  CloseHandle(pi.hThread);
  return pi.hProcess;
}

/* The shape of `pawwork-fixture fork-storm`: it is almost always inside
 * CreateProcess, so a kill at a random moment usually lands there. */
static int spawner(void) {
  HANDLE alive[16];
  int n = 0;
  for (;;) {
    for (int i = 0; i < n;) {
      if (WaitForSingleObject(alive[i], 0) == WAIT_OBJECT_0) {
        CloseHandle(alive[i]);
        alive[i] = alive[--n];
      } else {
        i++;
      }
    }
    if (n < 16) {
      HANDLE h = start(L"child", 0);
      if (h) alive[n++] = h;
    } else {
      Sleep(2);
    }
  }
  return 0;
}

static DWORD active(HANDLE job) {
  JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
  if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &info, sizeof info, NULL)) return 999;
  return info.ActiveProcesses;
}

static int killer(const char *mode, int runs, int ms) {
  int use_job = strcmp(mode, "jobcon") == 0;
  if (!use_job && strcmp(mode, "proc") != 0) return 2;
  typedef LONG(NTAPI * resume_t)(HANDLE);
  resume_t resume_process = (resume_t)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtResumeProcess");
  for (int r = 0; r < runs; r++) {
    HANDLE job = NULL;
    if (use_job) {
      job = CreateJobObjectW(NULL, NULL);
      JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim = { 0 };
      lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
      if (!job || !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim, sizeof lim)) return 1;
    }
    HANDLE sp = start(L"spawner", CREATE_SUSPENDED | (use_job ? CREATE_NO_WINDOW : 0));
    if (!sp) return 1;
    /* Assigned before it runs, so every child it creates is in the job. */
    if (use_job && !AssignProcessToJobObject(job, sp)) {
      fprintf(stderr, "AssignProcessToJobObject: error %lu\n", GetLastError());
      return 1;
    }
    resume_process(sp);
    /* Spread the moment of the kill over the spawner's loop. */
    Sleep(ms + (r * 37) % 200);
    int rekills = 0;
    DWORD left = 0;
    if (use_job) {
      TerminateJobObject(job, 1);
      DWORD t0 = GetTickCount();
      while ((left = active(job)) != 0 && GetTickCount() - t0 < 10000) {
        Sleep(50);
        TerminateJobObject(job, 1);
        rekills++;
      }
      CloseHandle(job);
    } else {
      TerminateProcess(sp, 1);
    }
    WaitForSingleObject(sp, INFINITE);
    CloseHandle(sp);
    printf("run %d: %s, %d re-kills, job count at the end %lu\n", r + 1, mode, rekills, left);
    fflush(stdout);
  }
  return 0;
}

static int census(void) {
  DWORD me = GetCurrentProcessId();
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS | TH32CS_SNAPTHREAD, 0);
  if (snap == INVALID_HANDLE_VALUE) return 1;
  PROCESSENTRY32W pe = { sizeof pe };
  for (BOOL more = Process32FirstW(snap, &pe); more; more = Process32NextW(snap, &pe)) {
    if (pe.th32ProcessID == me || _wcsicmp(pe.szExeFile, L"storm-control.exe") != 0) continue;
    THREADENTRY32 te = { sizeof te };
    for (BOOL t = Thread32First(snap, &te); t; t = Thread32Next(snap, &te)) {
      if (te.th32OwnerProcessID != pe.th32ProcessID) continue;
      HANDLE h = OpenThread(THREAD_SUSPEND_RESUME, FALSE, te.th32ThreadID);
      long prev = h ? (long)SuspendThread(h) : -2;
      if (h && prev >= 0) ResumeThread(h);
      if (h) CloseHandle(h);
      printf("census: pid %lu (parent %lu) thread %lu: suspend count %ld\n", pe.th32ProcessID,
             pe.th32ParentProcessID, te.th32ThreadID, prev);
    }
  }
  CloseHandle(snap);
  return 0;
}

int main(int argc, char **argv) {
  GetModuleFileNameW(NULL, self, MAX_PATH);
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    Sleep(20 + GetCurrentProcessId() % 31);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "spawner") == 0) return spawner();
  if (argc > 1 && strcmp(argv[1], "census") == 0) return census();
  if (argc > 4 && strcmp(argv[1], "killer") == 0) return killer(argv[2], atoi(argv[3]), atoi(argv[4]));
  fprintf(stderr, "usage: storm-control child | spawner | census | killer proc|jobcon RUNS MS\n");
  return 2;
}
