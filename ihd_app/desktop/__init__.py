"""Desktop conventions both programs' Qt windows follow: where a window goes on the screen
(``--place``, kept on the screen, by its frame) and Qt's own messages without the offscreen
platform's noise. Qt and nothing else of either program, so the meter emulator's window uses
the same code as the display's."""
