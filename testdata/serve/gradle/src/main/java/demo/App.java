package demo; public class App { public static void main(String[] a) { System.out.println(org.apache.commons.lang3.StringUtils.capitalize("hi")); } }
