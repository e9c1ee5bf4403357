import launch from "cross-spawn"

/**
 * Windows branch of the baseline's terminateTree: `taskkill /pid <pid> /f /t`, result ignored.
 * No graceful step and no wait for the tree to be gone, exactly like the original.
 */
export function taskkillTree(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const killer = launch("taskkill", ["/pid", String(pid), "/f", "/t"], { stdio: "ignore", windowsHide: true })
    killer.once("exit", () => resolve())
    killer.once("error", () => resolve())
  })
}
