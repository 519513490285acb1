; Inno Setup 6 script: the per-machine Windows installer of the overload station.
;
; It cannot be compiled on Linux (Inno Setup is a Windows program). On a Windows build PC:
;   .venv\Scripts\python installer\build.py   builds dist\overload-station and, when Inno
;                                           Setup 6 is installed, compiles this script
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" installer\windows\overload-station.iss
; See docs/installing.md. tests/installer/test_windows_installer.py checks the entries below.
;
; What it does: installs the bundle under Program Files for all users, adds Start-menu entries,
; registers the nightly upload with Task Scheduler (and one pass after every start, for nights
; the PC was off), keeps configuration and data in ProgramData across upgrades and after
; uninstall, and restricts the province key to SYSTEM and Administrators.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Overload Station"
#define ShortName "overload-station"
#define ProgramExe "overload-station.exe"
#define CliExe "overload-station-cli.exe"
#define Bundle "..\..\dist\overload-station"
#define DataRoot "{commonappdata}\overload-station"
; Where the first-run wizard writes the key the province issued (ui/first_run_model.py).
#define KeyFile DataRoot + "\data\province.key"
#define UploadTask "overload-station-upload"
#define StartUploadTask "overload-station-upload-at-start"
; Well-known SIDs, so the ACLs are right on Windows in any language.
#define SidSystem "*S-1-5-18"
#define SidAdmins "*S-1-5-32-544"
#define SidUsers "*S-1-5-32-545"

[Setup]
; Never change the AppId: upgrades find the installed version by it.
AppId={{9DCF8C02-02A8-40BA-BE60-869EDB0301F7}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=overload-station
DefaultDirName={autopf}\{#ShortName}
DefaultGroupName=治超检测站
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename={#ShortName}-{#AppVersion}-setup
#if FileExists(AddBackslash(SourcePath) + "..\..\build\icon\overload-station.ico")
SetupIconFile=..\..\build\icon\overload-station.ico
#endif
UninstallDisplayIcon={app}\{#ProgramExe}
UninstallDisplayName={#AppName}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Inno Setup 6 does not ship a Chinese wizard; when the translation is installed, use it.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif

[InstallDelete]
; An upgrade replaces the program's libraries whole: a file left from the old version could
; be loaded by the new one.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The program keeps configuration and data in ProgramData when this file is next to it.
Source: "machine-wide"; DestDir: "{app}"; Flags: ignoreversion

[Dirs]
; Configuration and data live in ProgramData, are kept by upgrades and never uninstalled.
Name: "{#DataRoot}"; Flags: uninsneveruninstall
Name: "{#DataRoot}\config"; Flags: uninsneveruninstall
Name: "{#DataRoot}\data"; Permissions: users-modify; Flags: uninsneveruninstall

[Icons]
Name: "{group}\治超检测站"; Filename: "{app}\{#ProgramExe}"; WorkingDir: "{app}"; Comment: "Overload Station"
Name: "{group}\校验数据库 (verify)"; Filename: "{cmd}"; Parameters: "/k """"{app}\{#CliExe}"" verify"""; WorkingDir: "{#DataRoot}"
Name: "{group}\立即上传 (upload now)"; Filename: "{cmd}"; Parameters: "/k """"{app}\{#CliExe}"" upload --actor start-menu"""; WorkingDir: "{#DataRoot}"
Name: "{group}\卸载 (uninstall)"; Filename: "{uninstallexe}"

[Run]
; Configuration: administrators write it, everybody reads it (the desktop runs as the operator).
Filename: "{sys}\icacls.exe"; Parameters: """{#DataRoot}\config"" /inheritance:r /grant:r {#SidSystem}:(OI)(CI)F {#SidAdmins}:(OI)(CI)F {#SidUsers}:(OI)(CI)RX"; Flags: runhidden waituntilterminated; StatusMsg: "Setting folder permissions..."
; The province key: SYSTEM (the scheduled upload) and Administrators only. The first-run
; wizard writes it after installation, so an install or upgrade run after that (or the
; icacls line in docs/installing.md) restricts it.
Filename: "{sys}\icacls.exe"; Parameters: """{#KeyFile}"" /inheritance:r /grant:r {#SidSystem}:F {#SidAdmins}:F"; Flags: runhidden waituntilterminated; Check: KeyFileExists
; The nightly upload (02:00 local time, the station's default upload_time) and one pass ten
; minutes after every start, as SYSTEM. /F replaces the tasks of an earlier version.
Filename: "{sys}\schtasks.exe"; Parameters: "/Create /F /TN ""{#UploadTask}"" /SC DAILY /ST 02:00 /RU SYSTEM /TR ""\""{app}\{#CliExe}\"" upload --actor task-scheduler"""; Flags: runhidden waituntilterminated; StatusMsg: "Registering the nightly upload..."
Filename: "{sys}\schtasks.exe"; Parameters: "/Create /F /TN ""{#StartUploadTask}"" /SC ONSTART /DELAY 0010:00 /RU SYSTEM /TR ""\""{app}\{#CliExe}\"" upload --actor task-scheduler"""; Flags: runhidden waituntilterminated
; Elevated, so the first-run wizard can write the configuration only administrators may change.
Filename: "{app}\{#ProgramExe}"; Description: "Set up the station now (first-run wizard)"; Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{sys}\schtasks.exe"; Parameters: "/Delete /F /TN ""{#UploadTask}"""; Flags: runhidden waituntilterminated; RunOnceId: "DeleteUploadTask"
Filename: "{sys}\schtasks.exe"; Parameters: "/Delete /F /TN ""{#StartUploadTask}"""; Flags: runhidden waituntilterminated; RunOnceId: "DeleteStartUploadTask"

[UninstallDelete]
; Only the program folder's own leftovers (bytecode Python wrote next to the migrations);
; ProgramData is never touched.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
function KeyFileExists(): Boolean;
begin
  Result := FileExists(ExpandConstant('{#KeyFile}'));
end;
