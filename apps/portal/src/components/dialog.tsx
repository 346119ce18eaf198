import { Dialog } from "@kobalte/core/dialog";
import type { JSX } from "solid-js";

/** A modal dialog (Kobalte: focus trap, Escape closes, focus returns to the opener). */
export function Modal(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: string;
  children: JSX.Element;
}): JSX.Element {
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay class="dialog-overlay" />
        <div class="dialog-positioner">
          <Dialog.Content class="dialog card">
            <header class="dialog-head">
              <Dialog.Title class="dialog-title">{props.title}</Dialog.Title>
              <Dialog.CloseButton class="icon-button" aria-label="Close">
                ×
              </Dialog.CloseButton>
            </header>
            {props.description ? (
              <Dialog.Description class="muted">{props.description}</Dialog.Description>
            ) : null}
            {props.children}
          </Dialog.Content>
        </div>
      </Dialog.Portal>
    </Dialog>
  );
}
