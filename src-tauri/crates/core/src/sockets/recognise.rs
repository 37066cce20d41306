//! Is this process IB Gateway or TWS? A pure function over what every OS shows of a process (its short
//! name, its program file, its command line), so the rules are tested on recorded examples from each OS.
//!
//! IBKR ships both programs as Java applications behind a native launcher, so the short name alone rarely
//! tells (`java`, `javaw.exe`, macOS's `JavaApplicationStub`, truncated by lsof to `JavaAppli`). What does
//! tell, first match wins:
//! - the main class on the command line: `ibgateway.GWClient` (also as `install4j.ibgateway.GWClient`)
//!   and IBC's `IbcGateway` are the Gateway; `jclient.LoginFrame` and IBC's `IbcTws` are TWS;
//! - a macOS app bundle in the program file or an argument: `IB Gateway 10.30.app` or
//!   `Trader Workstation 10.30.app`;
//! - the launcher's own file name: `ibgateway` / `ibgateway.exe`, `tws` / `tws.exe`;
//! - a Java program (`java`, `javaw`) or launcher living in IBKR's install folder `Jts`: under
//!   `Jts/ibgateway/` it is the Gateway, elsewhere under `Jts/` TWS.
//!
//! A false "yes" only protects a process (cleanup never ends the Gateway or TWS), so the rules lean that way;
//! the bare name `JavaApplicationStub` without its bundle path is any install4j app and is not enough.

use gateway_proto::GatewayProduct;

/// Which IBKR program `name` / `exe` / `cmdline` describe, if any. `exe` and the arguments may use either
/// slash; case does not matter.
pub fn recognise(name: &str, exe: Option<&str>, cmdline: &[String]) -> Option<GatewayProduct> {
    let lower = |s: &str| s.replace('\\', "/").to_lowercase();
    let exe = exe.map(lower);
    let args: Vec<String> = cmdline.iter().map(|a| lower(a)).collect();
    let name = lower(name);
    main_class(&args)
        .or_else(|| exe.iter().chain(&args).find_map(|text| app_bundle(text)))
        .or_else(|| {
            // The launcher's file name: the program file, else argv[0], else the short name.
            let file = exe
                .as_deref()
                .or(args.first().map(String::as_str))
                .map_or(name.as_str(), last_part);
            launcher(file).or_else(|| launcher(&name))
        })
        .or_else(|| {
            let program = exe.as_deref().or(args.first().map(String::as_str));
            let is_java = [program.map(last_part), Some(name.as_str())]
                .into_iter()
                .flatten()
                .any(is_java);
            let is_jts_program = program.is_some_and(|p| jts_product(p).is_some());
            if !(is_java || is_jts_program) {
                return None;
            }
            exe.iter().chain(&args).find_map(|text| jts_product(text))
        })
}

fn main_class(args: &[String]) -> Option<GatewayProduct> {
    args.iter().find_map(|arg| {
        if arg.ends_with("ibgateway.gwclient") || arg.ends_with("ibc.ibcgateway") {
            Some(GatewayProduct::IbGateway)
        } else if arg.ends_with("jclient.loginframe") || arg.ends_with("ibc.ibctws") {
            Some(GatewayProduct::Tws)
        } else {
            None
        }
    })
}

/// `.../IB Gateway 10.30.app/...` or `.../Trader Workstation 10.30.app/...` (macOS bundles).
fn app_bundle(text: &str) -> Option<GatewayProduct> {
    text.split('/').find_map(|part| {
        let bundle = part.strip_suffix(".app")?;
        if bundle.starts_with("ib gateway") {
            Some(GatewayProduct::IbGateway)
        } else if bundle.starts_with("trader workstation") {
            Some(GatewayProduct::Tws)
        } else {
            None
        }
    })
}

fn launcher(file: &str) -> Option<GatewayProduct> {
    match file.strip_suffix(".exe").unwrap_or(file) {
        "ibgateway" => Some(GatewayProduct::IbGateway),
        "tws" => Some(GatewayProduct::Tws),
        _ => None,
    }
}

fn is_java(file: &str) -> bool {
    matches!(file.strip_suffix(".exe").unwrap_or(file), "java" | "javaw")
}

/// A path inside IBKR's `Jts` folder: `Jts/ibgateway/...` is the Gateway, any other `Jts/...` TWS. A
/// Windows class path list (`C:/Jts/1030/jars/*;...`) counts too.
fn jts_product(text: &str) -> Option<GatewayProduct> {
    text.split([';', ':'])
        .filter_map(|entry| {
            let parts: Vec<&str> = entry.split('/').collect();
            let at = parts.iter().position(|p| *p == "jts")?;
            // `Jts` must be a folder with something inside.
            let next = parts.get(at + 1).filter(|p| !p.is_empty())?;
            Some(if *next == "ibgateway" {
                GatewayProduct::IbGateway
            } else {
                GatewayProduct::Tws
            })
        })
        // The Gateway wins when a path names it (its class path also names the shared Jts folder).
        .max_by_key(|p| matches!(p, GatewayProduct::IbGateway))
}

/// The last path part (the file name), ignoring a trailing slash.
fn last_part(path: &str) -> &str {
    path.rsplit('/').find(|p| !p.is_empty()).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use GatewayProduct::{IbGateway, Tws};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn macos_app_bundles_are_recognised_by_their_path() {
        let gw = "/Applications/IB Gateway 10.30/IB Gateway 10.30.app/Contents/MacOS/JavaApplicationStub";
        assert_eq!(
            recognise("JavaApplicationStub", Some(gw), &args(&[gw])),
            Some(IbGateway)
        );
        // lsof's truncated name, with the program file.
        assert_eq!(recognise("JavaAppli", Some(gw), &[]), Some(IbGateway));
        let tws = "/Applications/Trader Workstation 10.30/Trader Workstation 10.30.app/Contents/MacOS/JavaApplicationStub";
        assert_eq!(recognise("JavaApplicationStub", Some(tws), &[]), Some(Tws));
        // The bundle's own Java runtime, started with the bundle on its class path.
        let java = "/Applications/IB Gateway 10.30/IB Gateway 10.30.app/Contents/PlugIns/jre.bundle/Contents/Home/bin/java";
        assert_eq!(
            recognise("java", Some(java), &args(&[java])),
            Some(IbGateway)
        );
    }

    #[test]
    fn a_bare_java_application_stub_is_not_enough() {
        assert_eq!(recognise("JavaApplicationStub", None, &[]), None);
        assert_eq!(recognise("JavaAppli", None, &[]), None);
        let other = "/Applications/SomeTool.app/Contents/MacOS/JavaApplicationStub";
        assert_eq!(recognise("JavaApplicationStub", Some(other), &[]), None);
    }

    #[test]
    fn windows_launchers_and_java_under_jts_are_recognised() {
        assert_eq!(
            recognise(
                "ibgateway.exe",
                Some(r"C:\Jts\ibgateway\1030\ibgateway.exe"),
                &args(&[r"C:\Jts\ibgateway\1030\ibgateway.exe"])
            ),
            Some(IbGateway)
        );
        assert_eq!(
            recognise("tws.exe", Some(r"C:\Jts\1030\tws.exe"), &[]),
            Some(Tws)
        );
        // javaw.exe from the bundled runtime: its program file is under Jts.
        assert_eq!(
            recognise(
                "javaw.exe",
                Some(r"C:\Jts\ibgateway\1030\jre\bin\javaw.exe"),
                &[]
            ),
            Some(IbGateway)
        );
        // A system javaw.exe whose command line points into Jts.
        let cmd = args(&[
            r"C:\Program Files\Java\bin\javaw.exe",
            "-cp",
            r"C:\Jts\1030\jars\*;C:\Jts\1030\jts4launch-1030.jar",
            "-Xmx768m",
        ]);
        assert_eq!(
            recognise(
                "javaw.exe",
                Some(r"C:\Program Files\Java\bin\javaw.exe"),
                &cmd
            ),
            Some(Tws)
        );
    }

    #[test]
    fn linux_launchers_and_main_classes_are_recognised() {
        assert_eq!(
            recognise(
                "ibgateway",
                Some("/home/t/Jts/ibgateway/1030/ibgateway"),
                &[]
            ),
            Some(IbGateway)
        );
        // The install4j launcher script, run by the shell.
        assert_eq!(
            recognise(
                "ibgateway",
                Some("/usr/bin/dash"),
                &args(&["/bin/sh", "/home/t/Jts/ibgateway/1030/ibgateway"])
            ),
            Some(IbGateway)
        );
        let gw = args(&[
            "/home/t/Jts/ibgateway/1030/jre/bin/java",
            "-Dinstall4j.launcherId=17",
            "-classpath",
            "/home/t/Jts/ibgateway/1030/jars/jts4launch-1030.jar:/home/t/Jts/ibgateway/1030/.install4j/i4jruntime.jar",
            "install4j.ibgateway.GWClient",
        ]);
        assert_eq!(recognise("java", None, &gw), Some(IbGateway));
        let tws = args(&[
            "java",
            "-cp",
            "jts4launch.jar",
            "jclient.LoginFrame",
            "/home/t/Jts",
        ]);
        assert_eq!(recognise("java", Some("/usr/bin/java"), &tws), Some(Tws));
        let ibc = args(&["java", "-cp", "/opt/ibc/IBC.jar", "ibcalpha.ibc.IbcGateway"]);
        assert_eq!(recognise("java", None, &ibc), Some(IbGateway));
    }

    #[test]
    fn ordinary_programs_are_not_the_gateway() {
        let bot = args(&[
            "/usr/bin/python3",
            "/home/t/bots/trader.py",
            "--port",
            "4002",
        ]);
        assert_eq!(
            recognise("python3", Some("/usr/bin/python3.12"), &bot),
            None
        );
        // A Java program of someone else's, even with a jar named like IB's API client.
        let java = args(&["java", "-jar", "/home/t/apps/twsapi-client.jar"]);
        assert_eq!(recognise("java", Some("/usr/bin/java"), &java), None);
        // A script that merely lives in Jts is not launched by Java: not TWS.
        let script = args(&["/usr/bin/python3", "/home/t/Jts/notes.py"]);
        assert_eq!(
            recognise("python3", Some("/usr/bin/python3"), &script),
            None
        );
        assert_eq!(recognise("gateway-worker", None, &[]), None);
    }
}
