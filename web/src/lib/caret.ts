// Where a drop lands in a one-line input.

let ruler: CanvasRenderingContext2D | null = null;

/** The character offset in a one-line input nearest to `clientX` (where a drop lands). */
export function offsetAt(input: HTMLInputElement, clientX: number): number {
  const style = getComputedStyle(input);
  ruler ??= document.createElement("canvas").getContext("2d");
  if (!ruler) return input.value.length;
  ruler.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const x = clientX - input.getBoundingClientRect().left - parseFloat(style.paddingLeft) - parseFloat(style.borderLeftWidth) + input.scrollLeft;
  const text = input.value;
  let best = text.length;
  let previous = 0;
  for (let i = 1; i <= text.length; i++) {
    const width = ruler.measureText(text.slice(0, i)).width;
    if (width >= x) {
      best = x - previous < width - x ? i - 1 : i;
      break;
    }
    previous = width;
  }
  return x <= 0 ? 0 : best;
}
