/** The fixture's output pattern: line k is k as 15 lower-case hex digits and "\n" (16 bytes a line). */
export function pattern(bytes: number): Buffer {
  const lines = Math.ceil(bytes / 16)
  let text = ""
  for (let k = 0; k < lines; k++) text += k.toString(16).padStart(15, "0") + "\n"
  return Buffer.from(text).subarray(0, bytes)
}
