// The package ships no types; this declares the part of its API the Python worker uses.
declare module '@micropython/micropython-webassembly-pyscript' {
  export interface MicroPythonOptions {
    /** Python stack, in words. */
    pystack?: number;
    /** GC heap, in bytes. */
    heapsize?: number;
    /** With linebuffer (the default), called once per line without its newline. */
    stdout?: (line: string) => void;
    stderr?: (line: string) => void;
    linebuffer?: boolean;
  }

  export interface MicroPythonFS {
    mkdir(path: string): void;
    writeFile(path: string, data: string | Uint8Array): void;
  }

  export interface MicroPython {
    FS: MicroPythonFS;
    /** Runs code in __main__; a Python exception is thrown as an Error named PythonError. */
    runPython(code: string): unknown;
    /** Makes `module`'s properties importable from Python as `name`. */
    registerJsModule(name: string, module: object): void;
  }

  export function loadMicroPython(options?: MicroPythonOptions): Promise<MicroPython>;
}
